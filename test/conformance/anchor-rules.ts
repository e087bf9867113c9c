// Every rule of the anchors' own rule files, mapped to what covers it in kaudit: Falco's
// plugins/k8saudit/rules/k8s_audit_rules.yaml (falcosecurity/plugins @0b3cbd8d), Elastic's
// rules/integrations/kubernetes/*.toml (elastic/detection-rules @14cf530f) and Sigma's
// rules/application/kubernetes/audit/*.yml (SigmaHQ/sigma @8eaafff1). Names only: no rule logic is copied.
// Panther's rules are mapped, test by test, in panther-mapping.ts.
//
// coverage:
// - `rule`: a built-in rule (default tuning) reports what the anchor rule reports; the note says where it
//   is deliberately narrower or wider.
// - `tuning`: a tuning document (a list, a threshold or a custom CEL rule, README "Tuning and custom rules")
//   gives the anchor's behaviour; the document is here and test/unit/anchor-rules.test.ts loads it, and
//   fires its custom rules on `example`.
// - `partial`: kaudit reports part of it; the note says which part and why not the rest.
// - `none`: kaudit does not, and the note says why (a rule that cannot match, or activity logging).
import type { TuningInput } from '#shared/engine';

export type Anchor = 'falco' | 'elastic' | 'sigma';
export type Coverage = 'rule' | 'tuning' | 'partial' | 'none';

export interface AnchorRule {
  anchor: Anchor;
  name: string;
  /** Falco's priority, Elastic's severity, Sigma's level. */
  level: string;
  /** Falco: priority above INFO; Elastic and Sigma: every rule. */
  alerting: boolean;
  coverage: Coverage;
  rules: string[];
  tuning?: TuningInput;
  /** Fields over a plain allowed request by jane, on which each custom rule of `tuning` fires. */
  example?: Record<string, unknown>;
  note: string;
}

const activity = 'INFO activity rule (an alert per create or delete of a kind): kaudit keeps every request as a queryable record and reports findings, not activity';
/** The entry constructor of one anchor; only Falco has rules that do not alert (INFO activity, DEBUG). */
const of =
  (anchor: Anchor) =>
  (name: string, level: string, coverage: Coverage, rules: string[], note: string, extra: Partial<AnchorRule> = {}): AnchorRule => ({ anchor, name, level, alerting: level !== 'INFO' && level !== 'DEBUG', coverage, rules, note, ...extra });
const f = of('falco');
const e = of('elastic');
const s = of('sigma');
const custom = (id: string, title: string, severity: 'low' | 'medium' | 'high', condition: string): TuningInput => ({ customRules: [{ id, title, severity, condition }] });

const secretRef = (name: string) => ({ verb: 'get', requestURI: `/api/v1/namespaces/shop/secrets/${name}`, objectRef: { resource: 'secrets', namespace: 'shop', name, apiVersion: 'v1' } });

export const anchorRules: readonly AnchorRule[] = [
  // --- Falco ------------------------------------------------------------------------------------------
  f('Disallowed K8s User', 'WARNING', 'tuning', ['falco-disallowed-k8s-user'], 'A site’s allow-list of users: the custom CEL rule of test/conformance/falco.tuning.yaml, with Falco’s allowed_k8s_users and eks_allowed_k8s_users'),
  f('Create Disallowed Pod', 'WARNING', 'tuning', ['falco-disallowed-pod', 'untrusted-registry'], 'A site’s allow-list of images: the custom rule of falco.tuning.yaml (off by default, as Falco’s always-true macro makes it); kaudit’s own allow-list is by registry (lists.allowedRegistries)'),
  f('Create Privileged Pod', 'WARNING', 'rule', ['privileged-container'], 'Any container, init or ephemeral; pod templates too'),
  f('Create Sensitive Mount Pod', 'WARNING', 'rule', ['sensitive-host-mount'], 'Falco’s sensitive paths and their ancestors and descendants'),
  f('Create HostNetwork Pod', 'WARNING', 'rule', ['host-namespace'], 'hostNetwork, with hostPID and hostIPC in one rule'),
  f('Create HostPid Pod', 'WARNING', 'rule', ['host-namespace'], 'hostPID, with hostNetwork and hostIPC in one rule'),
  f('Create HostIPC Pod', 'WARNING', 'rule', ['host-namespace'], 'hostIPC, with hostNetwork and hostPID in one rule'),
  f('Create NodePort Service', 'WARNING', 'rule', ['nodeport-service'], 'Also a Service changed to NodePort'),
  f('Create/Modify Configmap With Private Credentials', 'WARNING', 'rule', ['credentials-in-configmap'], 'Credential-like keys and values, word-wise'),
  f('Anonymous Request Allowed', 'WARNING', 'rule', ['anonymous-request-allowed'], 'Health, live, ready and version paths excepted (lists.publicPaths)'),
  f('Attach/Exec Pod', 'NOTICE', 'rule', ['pod-exec'], 'exec and attach, over SPDY (create) and websockets (get); high into control-plane pods'),
  f('port-forward', 'NOTICE', 'rule', ['port-forward'], 'pods/portforward, POST or GET'),
  f('EphemeralContainers Created', 'NOTICE', 'rule', ['ephemeral-container'], 'pods/ephemeralcontainers (kubectl debug)'),
  f('Create Disallowed Namespace', 'WARNING', 'tuning', ['falco-disallowed-namespace'], 'A site’s allow-list of namespaces: the custom rule of falco.tuning.yaml'),
  f('Pod Created in Kube Namespace', 'WARNING', 'rule', ['workload-in-system-namespace'], 'Pods and pod templates in lists.systemNamespaces by non-system identities: a pod the replicaset-controller creates is reported at the Deployment or ReplicaSet that templates it (Falco’s two traces are such pods: docs/conformance.md, Falco disagreements)'),
  f('Service Account Created in Kube Namespace', 'WARNING', 'tuning', [], 'A ServiceAccount grants nothing by itself, so no built-in rule reports one; what makes one powerful is reported (bindings, minted tokens, legacy token Secrets, workloads in kube-system). A site that wants Falco’s alert writes this rule', {
    tuning: custom('service-account-created-in-system-namespace', 'ServiceAccount created in kube-system or kube-public', 'medium', "record.resource == 'serviceaccounts' && record.derivedVerb == 'create' && record.namespace in ['kube-system', 'kube-public'] && record.responseCode < 300 && !record.user.startsWith('system:')"),
    example: { verb: 'create', requestURI: '/api/v1/namespaces/kube-system/serviceaccounts', objectRef: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'backdoor', apiVersion: 'v1' }, responseStatus: { code: 201 } },
  }),
  f('System ClusterRole Modified/Deleted', 'WARNING', 'rule', ['system-role-modified'], 'system: ClusterRoles and ClusterRoleBindings, by non-system identities'),
  f('Attach to cluster-admin Role', 'WARNING', 'rule', ['cluster-admin-binding'], 'RoleBindings and ClusterRoleBindings, created or changed'),
  f('ClusterRole With Wildcard Created', 'WARNING', 'rule', ['rbac-wildcard'], '`*` in verbs, resources or apiGroups, created or changed'),
  f('ClusterRole With Write Privileges Created', 'NOTICE', 'tuning', ['rbac-wildcard', 'rbac-escalation-verbs', 'rbac-sensitive-grant'], 'Nearly every role grants a write verb, so the built-in rules report the grants that change who controls the cluster; a site that wants every write-granting ClusterRole writes this rule', {
    tuning: custom('clusterrole-write-privileges', 'ClusterRole granting write verbs created', 'low', "record.resource == 'clusterroles' && record.derivedVerb == 'create' && has(event.requestObject) && has(event.requestObject.rules) && event.requestObject.rules.exists(r, has(r.verbs) && r.verbs.exists(v, v in ['create', 'update', 'patch', 'delete', 'deletecollection', '*']))"),
    example: { verb: 'create', level: 'Request', requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles', objectRef: { resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', name: 'writer', apiVersion: 'v1' }, responseStatus: { code: 201 }, requestObject: { kind: 'ClusterRole', metadata: { name: 'writer' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'] }] } },
  }),
  f('ClusterRole With Pod Exec Created', 'WARNING', 'rule', ['rbac-sensitive-grant'], 'Decided with the RBAC authorizer’s matching, also on update and patch'),
  f('K8s Secret Get Successfully', 'ERROR', 'tuning', ['secret-read-by-person', 'secret-read-outside-namespace', 'secret-read-by-script-client', 'secret-read-burst'], 'Built in: a person’s single read, a pod’s service account outside its namespace, a script client, bursts. A workload reading its own Secrets and a kubelet reading its pods’ are what every pod start does and are not reported; a site that wants every read writes this rule', {
    tuning: custom('secret-get', 'Secret read', 'low', "record.resource == 'secrets' && record.derivedVerb == 'get' && record.responseCode < 300"),
    example: secretRef('db-password'),
  }),
  f('K8s Secret Get Unsuccessfully Tried', 'WARNING', 'tuning', ['secret-read-by-person', 'forbidden-burst'], 'Built in: a person refused a Secret (secret-read-by-person, medium), any identity’s denials in bursts (forbidden-burst). A site that wants every failed read (404s too) writes this rule', {
    tuning: custom('secret-get-failed', 'Secret read failed', 'low', "record.resource == 'secrets' && record.derivedVerb == 'get' && record.responseCode >= 400"),
    example: { ...secretRef('db-password'), responseStatus: { code: 403 } },
  }),
  f('Full K8s Administrative Access', 'WARNING', 'tuning', ['system-masters-used'], 'Built in: system-masters-used reports the RBAC-bypassing group; Falco’s rule is by user name (and off by default through its macro). A site that wants it writes this rule', {
    tuning: custom('default-admin-user', 'Default cluster-admin user name used', 'medium', "record.user in ['admin', 'kubernetes-admin', 'kubernetes-admin@kubernetes', 'kubernetes-admin@cluster.local', 'minikube-user']"),
    example: { user: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] } },
  }),
  f('Ingress Object without TLS Certificate Created', 'WARNING', 'rule', ['ingress-without-tls'], 'Also changes that drop spec.tls'),
  f('Untrusted Node Successfully Joined the Cluster', 'ERROR', 'tuning', ['node-registered-unexpected', 'csr-node-mismatch'], 'Built in: a kubelet registering another node’s name, a Node created by an identity that is no kubelet, a kubelet certificate asked for another node. Falco’s allow-list of node names (allowed_k8s_nodes, empty and off by default) is lists.expectedNodeNames, and the networks nodes join from lists.nodeNetworks', { tuning: { lists: { expectedNodeNames: ['node-*'], nodeNetworks: ['10.0.0.0/16'] } } }),
  f('Untrusted Node Unsuccessfully Tried to Join the Cluster', 'WARNING', 'tuning', ['node-registered-unexpected'], 'As above: a refused registration is reported at medium', { tuning: { lists: { expectedNodeNames: ['node-*'], nodeNetworks: ['10.0.0.0/16'] } } }),
  ...['Deployment', 'Service', 'ConfigMap', 'Namespace', 'Serviceaccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'Secret'].flatMap((k) => [f(`K8s ${k} Created`, 'INFO', 'none', [], activity), f(`K8s ${k} Deleted`, 'INFO', 'none', [], activity)]),
  f('All K8s Audit Events', 'DEBUG', 'none', [], 'Debugging aid, off by its macro: every request is a queryable record (GET /v1/events)'),

  // --- Elastic ----------------------------------------------------------------------------------------
  e('Kubernetes Secret or ConfigMap Access via Azure Arc Proxy', 'medium', 'tuning', ['new-client-for-identity'], 'Azure Arc’s proxy service accounts touching Secrets or ConfigMaps outside Arc’s namespaces: a custom rule (Elastic’s first-in-5-days grouping by impersonated user is noise reduction kaudit’s incidents give)', {
    tuning: custom('azure-arc-proxy-secret-access', 'Secret or ConfigMap accessed through the Azure Arc proxy', 'medium', "record.user.startsWith('system:serviceaccount:azure-arc:') && record.resource in ['secrets', 'configmaps'] && !(record.namespace in ['azure-arc', 'azure-arc-release', 'kube-system']) && !(record.name != null && record.name.startsWith('sh.helm.release.v1'))"),
    example: { user: { username: 'system:serviceaccount:azure-arc:guard', groups: ['system:serviceaccounts'] }, ...secretRef('db-password') },
  }),
  e('Kubernetes Secret Access via Unusual User Agent', 'low', 'rule', ['new-client-for-identity', 'token-reuse-from-new-ip'], 'First-seen state per identity: a new client is reported, medium on a Secret read; a bound token from a new address is token-reuse-from-new-ip'),
  e('Kubernetes Rapid Secret GET Activity Against Multiple Objects', 'medium', 'rule', ['secret-read-burst'], 'Distinct Secrets read by name (thresholds.secretReadBurst, 15 in 30 minutes by default)'),
  e('Kubernetes Pod Exec Cloud Instance Metadata Access', 'high', 'rule', ['pod-exec-suspicious-command'], 'instance-metadata pattern: AWS (also decimal and hex), GCP, Azure, Alibaba'),
  e('Kubernetes Pod Exec Sensitive File or Credential Path Access', 'high', 'rule', ['pod-exec-suspicious-command'], 'credential-file and service-account-token patterns'),
  e('Kubernetes Secret get or list with Suspicious User Agent', 'high', 'rule', ['secret-read-by-script-client'], 'curl, wget, python, Go-http-client, perl, java, node, php, ruby, Kali builds'),
  e('Kubernetes Secret get or list from Node or Pod Service Account', 'medium', 'tuning', ['secret-read-outside-namespace'], 'Built in: a pod’s service account reading Secrets of another namespace (high in kube-system); reads in its own namespace, and a kubelet’s reads of its pods’ Secrets, are what every pod start does. A site that wants each one writes this rule', {
    tuning: custom('workload-identity-secret-read', 'Secret read by a node or a service account', 'low', "record.identityKind in ['serviceaccount', 'node'] && record.resource == 'secrets' && record.derivedVerb in ['get', 'list'] && record.clientIp != '127.0.0.1'"),
    example: { user: { username: 'system:serviceaccount:shop:web', groups: ['system:serviceaccounts'] }, ...secretRef('db-password') },
  }),
  e('Kubernetes Secrets List Across Cluster or Sensitive Namespaces', 'medium', 'rule', ['secrets-enumeration'], 'Lists and watches cluster-wide or in kube-system; a service account’s informer is medium'),
  e('Kubernetes Service Account Token Created via TokenRequest API', 'low', 'rule', ['token-minted'], 'TokenRequest by non-control-plane, non-node identities'),
  e('Kubernetes Events Deleted', 'low', 'rule', ['audit-events-deleted'], 'Deletion of Events'),
  e('Kubernetes Denied Service Account Request via Unusual User Agent', 'low', 'rule', ['new-client-for-identity'], 'A new client or a first refusal of a service account, medium when refused'),
  e('Kubernetes Potential Endpoint Permission Enumeration Attempt by Anonymous User Detected', 'medium', 'rule', ['anonymous-scan'], 'Anonymous requests counted per client address (thresholds.anonymousScan)'),
  e('Kubernetes Potential Endpoint Permission Enumeration Attempt Detected', 'medium', 'rule', ['forbidden-burst', 'discovery-burst', 'permission-enumeration'], 'Probing shows as a burst of denials (forbidden-burst), many kinds read (discovery-burst) or access reviews (permission-enumeration)'),
  e('Kubernetes Multi-Resource Discovery', 'medium', 'tuning', ['discovery-burst'], 'Elastic counts 3 kinds in a minute, kaudit 5 by default (fewer false positives from kubectl describe)', { tuning: { thresholds: { discoveryKinds: 3 } } }),
  e('Kubernetes Suspicious Self-Subject Review via Unusual User Agent', 'low', 'rule', ['permission-enumeration', 'new-client-for-identity'], 'Access reviews by service accounts and nodes (permission-enumeration); a new client asking one is new-client-for-identity at medium'),
  e('Kubernetes Anonymous User Create/Update/Patch Pods Request', 'medium', 'rule', ['anonymous-request-allowed', 'anonymous-scan'], 'Allowed anonymous writes are anonymous-request-allowed; refused ones count toward anonymous-scan'),
  e('Kubernetes Forbidden Creation Request', 'low', 'tuning', ['forbidden-burst'], 'kaudit counts an identity’s denials (10 in 5 minutes); a site that wants each one sets the threshold to 1', { tuning: { thresholds: { forbiddenBurst: 1 } } }),
  e('Kubernetes Forbidden Request from Unusual User Agent', 'low', 'rule', ['new-client-for-identity'], 'A new client or a first refusal, medium when refused'),
  e('Kubernetes Pod Exec with Curl or Wget to HTTPS', 'medium', 'rule', ['pod-exec-suspicious-command'], 'download-tool pattern (local, API-server discovery and health targets excepted)'),
  e('Kubernetes Pod Exec Potential Reverse Shell', 'high', 'rule', ['pod-exec-suspicious-command'], 'reverse-shell pattern'),
  e('Kubernetes Unusual Decision by User Agent', 'low', 'rule', ['new-client-for-identity'], 'First-seen clients and decisions per identity'),
  e('Kubernetes User Exec into Pod', 'low', 'rule', ['pod-exec'], 'Every exec and attach'),
  e('Kubernetes CoreDNS or Kube-DNS Configuration Modified', 'high', 'rule', ['cluster-config-modified'], 'lists.protectedConfigMaps'),
  e('Kubernetes Anonymous Request Authorized by Unusual User Agent', 'medium', 'rule', ['anonymous-request-allowed'], 'Every allowed anonymous request outside the public paths, whatever its client'),
  e('Kubernetes Cluster-Admin Role Binding Created', 'medium', 'rule', ['cluster-admin-binding'], 'RoleBindings and ClusterRoleBindings'),
  e('Kubernetes Exposed Service Created With Type NodePort', 'medium', 'rule', ['nodeport-service'], 'Created or changed'),
  e('Kubernetes Admission Webhook Created or Modified', 'medium', 'rule', ['admission-control-modified'], 'Webhooks and admission policies, deletion too'),
  e('Kubernetes Client Certificate Signing Request Created or Approved', 'medium', 'rule', ['csr-client-cert-requested', 'csr-approved-manually'], 'Client-certificate CSRs and manual approvals'),
  e('EKS Authentication Configuration Modified', 'high', 'rule', ['cluster-config-modified'], 'kube-system/aws-auth in lists.protectedConfigMaps'),
  e('Kubernetes Creation or Modification of Sensitive Role', 'medium', 'rule', ['rbac-wildcard', 'rbac-escalation-verbs', 'rbac-sensitive-grant'], 'What a role grants, with the RBAC authorizer’s matching'),
  e('Kubernetes Creation of a RoleBinding Referencing a ServiceAccount', 'low', 'none', ['cluster-admin-binding', 'rbac-sensitive-grant'], 'The query asks a binding for requestObject.spec.serviceAccountName, which no RoleBinding has, so it cannot fire; bindings are judged by the role they grant'),
  e('Kubernetes API Server Proxying Request to Kubelet', 'medium', 'rule', ['node-proxy-used'], 'Monitoring paths excepted; high when it runs a command'),
  e('Kubernetes Container Created with Excessive Linux Capabilities', 'high', 'rule', ['dangerous-capability'], 'Added capabilities of any container'),
  e('Kubernetes API Request Impersonating Privileged Identity', 'high', 'rule', ['privileged-impersonation'], 'Impersonation of privileged users and groups'),
  e('Kubernetes Ephemeral Container Added to Pod', 'medium', 'rule', ['ephemeral-container'], 'pods/ephemeralcontainers'),
  e('Kubernetes Pod Created With HostIPC', 'medium', 'rule', ['host-namespace'], 'hostIPC'),
  e('Kubernetes Pod Created With HostNetwork', 'medium', 'rule', ['host-namespace'], 'hostNetwork'),
  e('Kubernetes Pod Created With HostPID', 'medium', 'rule', ['host-namespace'], 'hostPID'),
  e('Kubernetes Pod Created with a Sensitive hostPath Volume', 'medium', 'rule', ['sensitive-host-mount'], 'lists.sensitiveHostPaths'),
  e('Kubernetes Privileged Pod Created', 'medium', 'rule', ['privileged-container'], 'Privileged containers'),
  e('Kubernetes RBAC Wildcard Elevation on Existing Role', 'high', 'rule', ['rbac-wildcard'], 'Updates and patches too'),
  e('Kubernetes Sensitive RBAC Change Followed by Workload Modification', 'high', 'rule', ['rbac-then-workload'], 'Sequence within 10 minutes; kaudit’s first step is a change the rbac rules report (Elastic’s matches any role change)'),
  e('Unusual Kubernetes Sensitive Workload Modification', 'low', 'partial', ['new-client-for-identity', 'persistent-workload-created', 'token-reuse-from-new-ip'], 'kaudit’s first-seen state is per identity and client (and per bound credential and address), not the combination of client, address and user Elastic keeps'),
  e('Kubernetes Service Account Modified RBAC Objects', 'medium', 'tuning', ['rbac-wildcard', 'rbac-escalation-verbs', 'rbac-sensitive-grant', 'cluster-admin-binding'], 'Built in, a service account’s RBAC changes are judged by what they grant; a site that wants each one writes this rule', {
    tuning: custom('service-account-rbac-change', 'Service account changed RBAC', 'medium', "record.identityKind == 'serviceaccount' && record.resource in ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] && record.derivedVerb in ['create', 'update', 'patch', 'delete'] && !(record.user in ['system:serviceaccount:kube-system:clusterrole-aggregation-controller', 'system:serviceaccount:kube-system:generic-garbage-collector'])"),
    example: { user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] }, verb: 'create', requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/ci/roles', objectRef: { resource: 'roles', namespace: 'ci', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' }, responseStatus: { code: 201 } },
  }),
  e('Kubernetes Suspicious Assignment of Controller Service Account', 'medium', 'rule', ['controller-service-account-assigned'], 'kube-system pods and templates, trusted images excepted'),

  // --- Sigma ------------------------------------------------------------------------------------------
  s('Kubernetes Admission Controller Modification', 'medium', 'rule', ['admission-control-modified'], 'Webhooks and policies, any change'),
  s('Kubernetes CronJob/Job Modification', 'medium', 'tuning', ['persistent-workload-created'], 'Built in: creation (persistent-workload-created) and the pod template of every change (workload rules); a site that wants every change writes this rule', {
    tuning: custom('job-modified', 'CronJob or Job changed', 'low', "record.resource in ['cronjobs', 'jobs'] && record.derivedVerb in ['create', 'update', 'patch', 'delete'] && !record.user.startsWith('system:')"),
    example: { verb: 'patch', requestURI: '/apis/batch/v1/namespaces/shop/cronjobs/report', objectRef: { resource: 'cronjobs', namespace: 'shop', name: 'report', apiGroup: 'batch', apiVersion: 'v1' } },
  }),
  s('Deployment Deleted From Kubernetes Cluster', 'low', 'tuning', ['mass-deletion'], 'kaudit reports deletions in bulk (10 in 5 minutes); a site that wants each one sets the threshold to 1', { tuning: { thresholds: { massDeletion: 1 } } }),
  s('Kubernetes Events Deleted', 'medium', 'rule', ['audit-events-deleted'], 'Deletion of Events'),
  s('Potential Remote Command Execution In Pod Container', 'medium', 'rule', ['pod-exec'], 'Every exec'),
  s('Container With A hostPath Mount Created', 'low', 'tuning', ['sensitive-host-mount'], 'kaudit reports paths that expose the node; `*` reports every hostPath', { tuning: { lists: { sensitiveHostPaths: ['*'] } } }),
  s('Creation Of Pod In System Namespace', 'medium', 'rule', ['workload-in-system-namespace'], 'Non-system identities; pod templates too'),
  s('Kubernetes Potential Enumeration Activity', 'low', 'rule', ['pod-exec', 'pod-exec-suspicious-command', 'offensive-tool-user-agent'], 'Shells and tools run through exec, and the tools’ user agents'),
  s('Privileged Container Deployed', 'low', 'rule', ['privileged-container', 'dangerous-capability'], 'Sigma matches any capabilities field; kaudit reports privileged containers and dangerous added capabilities'),
  s('RBAC Permission Enumeration Attempt', 'low', 'rule', ['permission-enumeration'], 'Self-subject rules reviews'),
  s('Kubernetes Rolebinding Modification', 'medium', 'tuning', ['cluster-admin-binding', 'rbac-sensitive-grant'], 'Built in, a binding is judged by the role it grants; a site that wants every binding change writes this rule', {
    tuning: custom('binding-modified', 'RoleBinding or ClusterRoleBinding changed', 'low', "record.resource in ['rolebindings', 'clusterrolebindings'] && record.derivedVerb in ['create', 'update', 'patch', 'delete'] && !record.user.startsWith('system:')"),
    example: { verb: 'create', requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings', objectRef: { resource: 'rolebindings', namespace: 'shop', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' }, responseStatus: { code: 201 } },
  }),
  s('Kubernetes Secrets Enumeration', 'low', 'tuning', ['secrets-enumeration', 'secret-read-burst'], 'Built in: cluster-wide and kube-system lists; a list in one namespace is what a workload’s informer does, and a site that wants each one writes this rule', {
    tuning: custom('secret-list', 'Secrets listed', 'low', "record.resource == 'secrets' && record.derivedVerb == 'list'"),
    example: { verb: 'list', requestURI: '/api/v1/namespaces/shop/secrets', objectRef: { resource: 'secrets', namespace: 'shop', apiVersion: 'v1' } },
  }),
  s('Kubernetes Secrets Modified or Deleted', 'medium', 'rule', ['secret-modified', 'legacy-token-secret-created', 'credentials-in-configmap'], 'Changes and deletions; a created Secret is judged by what it holds'),
  s('New Kubernetes Service Account Created', 'low', 'tuning', [], 'As Falco’s Service Account Created in Kube Namespace, in every namespace', {
    tuning: custom('service-account-created', 'ServiceAccount created', 'low', "record.resource == 'serviceaccounts' && record.derivedVerb == 'create'"),
    example: { verb: 'create', requestURI: '/api/v1/namespaces/shop/serviceaccounts', objectRef: { resource: 'serviceaccounts', namespace: 'shop', apiVersion: 'v1' }, responseStatus: { code: 201 } },
  }),
  s('Potential Sidecar Injection Into Running Deployment', 'medium', 'rule', ['container-injected'], 'kaudit reports the added container, not every patch (an image rollout is a patch too)'),
  s('Kubernetes Unauthorized or Unauthenticated Access', 'low', 'tuning', ['forbidden-burst', 'anonymous-scan'], 'Built in: bursts per identity and per anonymous address; a site that wants each one sets both thresholds to 1', { tuning: { thresholds: { forbiddenBurst: 1, anonymousScan: 1 } } }),
];

/** Rules of an anchor that alert (Falco: above INFO), and how many of them kaudit covers fully (rule or tuning). */
export function coverageOf(anchor: Anchor): { total: number; rule: number; tuning: number; partial: number; none: number } {
  const rules = anchorRules.filter((r) => r.anchor === anchor && r.alerting);
  const count = (c: Coverage) => rules.filter((r) => r.coverage === c).length;
  return { total: rules.length, rule: count('rule'), tuning: count('tuning'), partial: count('partial'), none: count('none') };
}
