// Panther k8s detections ↔ kaudit rules, as data. Used by test/unit/conformance-panther.test.ts and the
// conformance report (test/conformance/report.ts → docs/conformance.md), which replay Panther's rule tests
// from ../shared/corpus/panther-analysis/panther_k8s_tests.jsonl (outcomes in its EXPECTED.md). Tests whose
// log is a native audit.k8s.io Event (`k8s_audit_event`, Panther `p_*` keys dropped), an AKS diagnostic record
// wrapping one (`azure_diagnostics_wrapped_string`, decoded with unwrapDocument) or a GKE Cloud Audit Log entry
// (`gcp_cloud_audit_log`, converted with gkeAuditEvent) are run.
import type { TuningInput } from '#shared/engine';

/** Which Panther tests a rule has, by log format, as far as kaudit is concerned. */
export type PantherScope =
  /** At least one native Event or AKS-wrapped Event test: comparable. */
  | 'native'
  /** Only GKE Cloud Audit Log entries (`protoPayload`), converted into Events: comparable. */
  | 'gke'
  /** Only Azure Resource Manager activity records: not Kubernetes audit events, out of scope. */
  | 'azure-activity'
  /** Only enrichment-only records: out of scope. */
  | 'enrichment-only';

export interface PantherMapping {
  ruleId: string;
  scope: PantherScope;
  /** kaudit rule ids that report the same behaviour; null: none (see `note`). */
  ours: readonly string[] | null;
  note: string;
  /**
   * Panther's scope for this rule written as a kaudit tuning document (README "Tuning and custom rules": lists,
   * thresholds, CEL exceptions), the way falco.tuning.yaml carries Falco's allow-lists: what a site that wants
   * Panther's behaviour would put in its rules file. The tests of this Panther rule run a second time with it.
   */
  asTuning?: TuningInput;
}

/** The client address is private, loopback or absent (Panther's "public IP" rules skip these). */
const NOT_PUBLIC_IP =
  "record.clientIp == null || record.clientIp.matches('^(10[.]|192[.]168[.]|172[.](1[6-9]|2[0-9]|3[01])[.]|127[.]|169[.]254[.]|fd|fc|::1$)')";
const SYSTEM_PRINCIPAL = "record.user.startsWith('system:')";
const NOT_CREATE = "record.verb != 'create'";
const IN_SYSTEM_NAMESPACE = "record.namespace in ['kube-system', 'kube-public', 'kube-node-lease']";
/** Not `tar c…f -` (kubectl cp from a pod: the archive goes to stdout), in the URI's or the body's command. */
const TAR_TO_STDOUT = [
  "!(record.requestUri.matches('command=tar&command=-?[a-zA-Z]*c[a-zA-Z]*f&command=-(&|$)')",
  "|| (has(event.requestObject) && has(event.requestObject.command) && event.requestObject.command.size() > 2",
  "&& event.requestObject.command[0] == 'tar' && event.requestObject.command[1].matches('^-?[a-zA-Z]*c[a-zA-Z]*f$') && event.requestObject.command[2] == '-'))",
].join(' ');

/** GKE’s system namespaces beside Kubernetes’ own (GKE-managed agents run in gke-system). */
const IN_GKE_SYSTEM_NAMESPACE = "record.namespace in ['kube-system', 'kube-public', 'kube-node-lease', 'gke-system']";
/** A Google service account (GKE’s service agent container-engine-robot among them). */
const GOOGLE_SERVICE_ACCOUNT = "record.user.endsWith('.gserviceaccount.com')";
const DEPLOYMENT_MANAGER =
  'its GKE tests are Deployment Manager deployments.insert entries (serviceName deploymentmanager.googleapis.com), not Kubernetes audit log entries: they do not convert (see “GKE Cloud Audit Log entries”)';
const STATEFUL_AT_ONE =
  'Panther counts matching events up to a threshold; its ExpectedResult says whether this one event counts. kaudit’s stateful rule is run with its threshold tuned to 1, so “fires” means “counts”';

export const pantherRules: Readonly<Record<string, PantherMapping>> = {
  'aws_eks_rules/anonymous_api_access.yml': {
    ruleId: 'Amazon.EKS.AnonymousAPIAccess',
    scope: 'native',
    ours: ['anonymous-request-allowed', 'anonymous-scan'],
    note: 'Anonymous requests: allowed ones are anonymous-request-allowed (health/version paths excepted), denied ones are counted by anonymous-scan (20 from one IP in 5 minutes)',
    asTuning: { lists: { publicPaths: [] }, thresholds: { anonymousScan: 1 }, rules: { 'anonymous-request-allowed': { exceptions: [`record.path in ['/healthz', '/livez', '/readyz'] && (${NOT_PUBLIC_IP})`] }, 'anonymous-scan': { exceptions: [`record.path in ['/healthz', '/livez', '/readyz'] && (${NOT_PUBLIC_IP})`] } } },
  },
  'aws_eks_rules/source_ip_multiple_403.yml': {
    ruleId: 'Amazon.EKS.Audit.Multiple403',
    scope: 'native',
    ours: ['forbidden-burst', 'anonymous-scan'],
    note: `Denials counted per identity (forbidden-burst) or per client IP for anonymous callers (anonymous-scan), from any address. ${STATEFUL_AT_ONE}`,
    asTuning: { rules: { 'forbidden-burst': { exceptions: [NOT_PUBLIC_IP] }, 'anonymous-scan': { exceptions: [NOT_PUBLIC_IP] } } },
  },
  'aws_eks_rules/system_namespace_public_ip.yml': {
    ruleId: 'Amazon.EKS.Audit.SystemNamespaceFromPublicIP',
    scope: 'native',
    ours: null,
    note: 'Depends on geo/IP data kaudit does not have: whether a source IP is public and inside the cloud provider’s published ranges (AWS ip-ranges.json)',
  },
  'azure_activity_rules/azure_kubernetes_rolebinding_created.yml': {
    ruleId: 'Azure.MonitorActivity.Kubernetes.RoleBindingCreated',
    scope: 'azure-activity',
    ours: null,
    note: 'Azure Resource Manager activity records are not Kubernetes audit events: out of scope (the same RoleBinding, seen in the cluster’s audit log, is what cluster-admin-binding and the rbac-* rules judge)',
  },
  'gcp_k8s_rules/gcp_k8s_cron_job_created_or_modified.yml': {
    ruleId: 'GCP.GKE.Kubernetes.Cron.Job.Created.Or.Modified',
    scope: 'gke',
    ours: null,
    note: `Activity, not a finding, as Kubernetes.CronJob.CreatedOrModified: kaudit inspects every CronJob’s pod template with the workload rules instead of alerting on each CronJob; besides, ${DEPLOYMENT_MANAGER}`,
  },
  'gcp_k8s_rules/gcp_k8s_exec_into_pod.yml': {
    ruleId: 'GCP.K8s.ExecIntoPod',
    scope: 'gke',
    ours: ['pod-exec'],
    note: 'pods/exec and pods/attach, create or get (Panther’s allow-list of principals and namespaces is empty by default)',
  },
  'gcp_k8s_rules/gcp_k8s_ioc_activity.yml': {
    ruleId: 'GCP.K8s.IOC.Activity',
    scope: 'enrichment-only',
    ours: null,
    note: 'Enrichment-only records (Panther p_enrichment threat intelligence), no audit event: out of scope',
  },
  'gcp_k8s_rules/gcp_k8s_new_daemonset_deployed.yml': {
    ruleId: 'GCP.K8s.New.Daemonset.Deployed',
    scope: 'gke',
    ours: null,
    note: `Activity, not a finding, as Kubernetes.DaemonSet.Created: kaudit inspects every DaemonSet’s pod template with the workload rules instead of alerting on each DaemonSet; besides, ${DEPLOYMENT_MANAGER}`,
  },
  'gcp_k8s_rules/gcp_k8s_pod_attached_to_node_host_network.yml': {
    ruleId: 'GCP.K8s.Pod.Attached.To.Node.Host.Network',
    scope: 'gke',
    ours: ['host-namespace'],
    note: 'hostNetwork (with hostPID and hostIPC in one rule)',
  },
  'gcp_k8s_rules/gcp_k8s_pod_create_or_modify_host_path_vol_mount.yml': {
    ruleId: 'GCP.K8S.Pod.Create.Or.Modify.Host.Path.Volume.Mount',
    scope: 'gke',
    ours: ['sensitive-host-mount'],
    note: 'hostPath volumes at or around paths that expose the node (Panther’s list: runtime sockets, kubelet state, /etc/kubernetes, /home/admin)',
  },
  'gcp_k8s_rules/gcp_k8s_pod_using_host_pid_namespace.yml': {
    ruleId: 'GCP.K8s.Pod.Using.Host.PID.Namespace',
    scope: 'gke',
    ours: ['host-namespace'],
    note: 'hostPID (with hostNetwork and hostIPC in one rule)',
  },
  'gcp_k8s_rules/gcp_k8s_privileged_pod_created.yml': {
    ruleId: 'GCP.K8S.Privileged.Pod.Created',
    scope: 'gke',
    ours: ['privileged-container', 'insecure-security-context'],
    note: 'Privileged containers, and (Panther’s runAsNonRoot: false half) runAsNonRoot: false without a runAsUser, in the effective security context',
    asTuning: { rules: { 'privileged-container': { exceptions: [IN_GKE_SYSTEM_NAMESPACE, GOOGLE_SERVICE_ACCOUNT] }, 'insecure-security-context': { exceptions: [IN_GKE_SYSTEM_NAMESPACE, GOOGLE_SERVICE_ACCOUNT] } } },
  },
  'gcp_k8s_rules/gcp_k8s_service_type_node_port_deployed.yml': {
    ruleId: 'GCP.K8S.Service.Type.NodePort.Deployed',
    scope: 'gke',
    ours: ['nodeport-service'],
    note: 'Service of type NodePort created or changed',
  },
  'kubernetes_rules/k8s_admission_controller_created.yml': {
    ruleId: 'Kubernetes.AdmissionController.Created',
    scope: 'native',
    ours: ['admission-control-modified'],
    note: 'kaudit covers changes and deletions of webhook configurations and admission policies too',
    asTuning: { rules: { 'admission-control-modified': { exceptions: [NOT_CREATE] } } },
  },
  'kubernetes_rules/k8s_anonymous_api_access.yml': {
    ruleId: 'Kubernetes.API.AnonymousAccess',
    scope: 'native',
    ours: ['anonymous-request-allowed'],
    note: 'Allowed anonymous requests, health/version paths excepted',
    asTuning: { rules: { 'anonymous-request-allowed': { exceptions: ["record.userAgent != null && record.userAgent.startsWith('GoogleHC/')"] } } },
  },
  'kubernetes_rules/k8s_client_certificate_created.yml': {
    ruleId: 'Kubernetes.ClientCertificate.Created',
    scope: 'native',
    ours: ['csr-client-cert-requested'],
    note: 'CSR for signer kubernetes.io/kube-apiserver-client created by a non-system identity',
  },
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml': {
    ruleId: 'Kubernetes.ClusterRoleBinding.Privileged',
    scope: 'native',
    ours: ['cluster-admin-binding'],
    note: 'kaudit’s rule is about roleRef cluster-admin (RoleBinding or ClusterRoleBinding, create or change); other powerful roles are judged by what they grant (rbac-* rules, RBAC verdict)',
    asTuning: { lists: { adminRoles: ['cluster-admin', 'system:masters', 'admin', 'system:kube-controller-manager'] }, rules: { 'cluster-admin-binding': { exceptions: ["record.resource == 'rolebindings'", SYSTEM_PRINCIPAL] } } },
  },
  'kubernetes_rules/k8s_cronjob_created_or_modified.yml': {
    ruleId: 'Kubernetes.CronJob.CreatedOrModified',
    scope: 'native',
    ours: null,
    note: 'Activity, not a finding: kaudit inspects every CronJob’s pod template with the workload rules (privileged-container, host-namespace, sensitive-host-mount, …) instead of alerting on each CronJob',
  },
  'kubernetes_rules/k8s_daemonset_created.yml': {
    ruleId: 'Kubernetes.DaemonSet.Created',
    scope: 'native',
    ours: null,
    note: 'Activity, not a finding: kaudit inspects every DaemonSet’s pod template with the workload rules instead of alerting on each DaemonSet',
  },
  'kubernetes_rules/k8s_exec_into_pod.yml': { ruleId: 'Kubernetes.Pod.Exec', scope: 'native', ours: ['pod-exec'], note: 'pods/exec and pods/attach, create or get' },
  'kubernetes_rules/k8s_ingress_without_tls.yml': {
    ruleId: 'Kubernetes.Ingress.NoTLS',
    scope: 'native',
    ours: ['ingress-without-tls'],
    note: 'Ingress created or changed without spec.tls',
    asTuning: { rules: { 'ingress-without-tls': { exceptions: [NOT_CREATE, IN_SYSTEM_NAMESPACE] } } },
  },
  'kubernetes_rules/k8s_ioc_activity.yml': {
    ruleId: 'Kubernetes.API.IOC.Activity',
    scope: 'native',
    ours: null,
    note: 'Depends on threat-intelligence enrichment (Panther p_enrichment: Tor exit nodes, IOC IPs) that an audit event does not carry',
  },
  'kubernetes_rules/k8s_kubectl_cp_operation.yml': {
    ruleId: 'Kubernetes.Kubectl.CP.Operation',
    scope: 'native',
    ours: ['pod-exec-suspicious-command'],
    note: 'The kubectl-cp pattern of pod-exec-suspicious-command: tar run through exec, in either direction',
    asTuning: { rules: { 'pod-exec-suspicious-command': { exceptions: [SYSTEM_PRINCIPAL, IN_SYSTEM_NAMESPACE, TAR_TO_STDOUT] } } },
  },
  'kubernetes_rules/k8s_multiple_403_public_ip.yml': {
    ruleId: 'Kubernetes.API.Multiple403.PublicIP',
    scope: 'native',
    ours: ['forbidden-burst', 'anonymous-scan'],
    note: `Denials counted per identity or per anonymous client IP, from any address. ${STATEFUL_AT_ONE}`,
    asTuning: { rules: { 'forbidden-burst': { exceptions: [NOT_PUBLIC_IP] }, 'anonymous-scan': { exceptions: [NOT_PUBLIC_IP] } } },
  },
  'kubernetes_rules/k8s_pod_created_in_system_namespace.yml': {
    ruleId: 'Kubernetes.Pod.SystemNamespace',
    scope: 'native',
    ours: ['workload-in-system-namespace'],
    note: 'Pods and pod templates created in lists.systemNamespaces (default kube-system, kube-public) by non-system identities',
    asTuning: { lists: { systemNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'gke-system'] }, rules: { 'workload-in-system-namespace': { exceptions: ["record.resource != 'pods'"] } } },
  },
  'kubernetes_rules/k8s_pod_dangerous_capabilities.yml': {
    ruleId: 'Kubernetes.Pod.Dangerous.Capabilities',
    scope: 'native',
    ours: ['dangerous-capability'],
    note: 'Capabilities added to any container of a pod or pod template',
  },
  'kubernetes_rules/k8s_pod_host_ipc.yml': { ruleId: 'Kubernetes.Pod.Host.IPC', scope: 'native', ours: ['host-namespace'], note: 'hostIPC (with hostNetwork and hostPID in one rule)', asTuning: { rules: { 'host-namespace': { exceptions: [IN_SYSTEM_NAMESPACE] } } } },
  'kubernetes_rules/k8s_pod_host_network.yml': {
    ruleId: 'Kubernetes.Pod.Host.Network',
    scope: 'native',
    ours: ['host-namespace'],
    note: 'hostNetwork (with hostPID and hostIPC in one rule)',
  },
  'kubernetes_rules/k8s_pod_host_pid.yml': { ruleId: 'Kubernetes.Pod.Host.PID', scope: 'native', ours: ['host-namespace'], note: 'hostPID (with hostNetwork and hostIPC in one rule)' },
  'kubernetes_rules/k8s_pod_hostpath_volume.yml': {
    ruleId: 'Kubernetes.Pod.HostPath.Volume',
    scope: 'native',
    ours: ['sensitive-host-mount'],
    note: 'hostPath volumes at or around paths that expose the node',
    asTuning: { lists: { sensitiveHostPaths: ['*'] }, rules: { 'sensitive-host-mount': { exceptions: [IN_SYSTEM_NAMESPACE] } } },
  },
  'kubernetes_rules/k8s_privileged_pod_created.yml': {
    ruleId: 'Kubernetes.Pod.Privileged.Created',
    scope: 'native',
    ours: ['privileged-container', 'insecure-security-context'],
    note: 'Privileged containers, and (Panther’s run-as-root half) an explicit runAsUser: 0, or runAsNonRoot: false without a runAsUser, in the effective security context',
    asTuning: { rules: { 'privileged-container': { exceptions: [IN_SYSTEM_NAMESPACE] }, 'insecure-security-context': { exceptions: [IN_SYSTEM_NAMESPACE] } } },
  },
  'kubernetes_rules/k8s_role_node_proxy_permissions.yml': {
    ruleId: 'Kubernetes.Role.NodeProxyPermissions',
    scope: 'native',
    ours: ['rbac-sensitive-grant'],
    note: 'What a role grants on nodes/proxy, decided with the RBAC authorizer’s matching',
    asTuning: { rules: { 'rbac-sensitive-grant': { exceptions: [NOT_CREATE, SYSTEM_PRINCIPAL] } } },
  },
  'kubernetes_rules/k8s_role_pod_exec.yml': {
    ruleId: 'Kubernetes.Role.PodExec',
    scope: 'native',
    ours: ['rbac-sensitive-grant'],
    note: 'What a role grants on pods/exec, decided with the RBAC authorizer’s matching',
    asTuning: { rules: { 'rbac-sensitive-grant': { exceptions: [NOT_CREATE, SYSTEM_PRINCIPAL] } } },
  },
  'kubernetes_rules/k8s_role_wildcard.yml': { ruleId: 'Kubernetes.Role.Wildcard', scope: 'native', ours: ['rbac-wildcard'], note: '`*` in verbs, resources or apiGroups', asTuning: { rules: { 'rbac-wildcard': { exceptions: [NOT_CREATE, SYSTEM_PRINCIPAL, "!event.requestObject.rules.exists(r, ('verbs' in r && '*' in r.verbs) || ('resources' in r && '*' in r.resources))"] } } } },
  'kubernetes_rules/k8s_role_write_permissions.yml': {
    ruleId: 'Kubernetes.Role.WritePermissions',
    scope: 'native',
    ours: null,
    note: 'No equivalent by design: nearly every role grants some write verb. kaudit reports the grants that change who controls the cluster (rbac-wildcard, rbac-escalation-verbs, rbac-sensitive-grant); Falco’s “ClusterRole With Write Privileges Created” is left unmapped for the same reason',
  },
  'kubernetes_rules/k8s_secret_access_denied.yml': {
    ruleId: 'Kubernetes.Secret.AccessDenied',
    scope: 'native',
    ours: ['forbidden-burst', 'anonymous-scan'],
    note: `kaudit counts denials on any resource (forbidden-burst), not failed Secret reads alone. ${STATEFUL_AT_ONE}`,
    asTuning: { rules: { 'forbidden-burst': { exceptions: ["record.resource != 'secrets'", "record.verb != 'get'", "record.user.startsWith('system:serviceaccount:kube-system:')"] } } },
  },
  'kubernetes_rules/k8s_secret_enumeration.yml': {
    ruleId: 'Kubernetes.BulkSecretAccess',
    scope: 'native',
    ours: ['secret-read-burst', 'secrets-enumeration'],
    note: `Distinct Secrets read by name (secret-read-burst, stateful), and lists/watches cluster-wide or in kube-system (secrets-enumeration). ${STATEFUL_AT_ONE}`,
  },
  'kubernetes_rules/k8s_secrets_dump_all_namespaces.yml': {
    ruleId: 'Kubernetes.Secrets.DumpAllNamespaces',
    scope: 'native',
    ours: ['secrets-enumeration'],
    note: 'list/watch of Secrets in all namespaces (or kube-system) by a non-control-plane identity',
    asTuning: { rules: { 'secrets-enumeration': { exceptions: ["record.user.endsWith(':kube-state-metrics')"] } } },
  },
  'kubernetes_rules/k8s_service_nodeport.yml': {
    ruleId: 'Kubernetes.Service.NodePort.Deployed',
    scope: 'native',
    ours: ['nodeport-service'],
    note: 'Service of type NodePort created or changed',
  },
  'kubernetes_rules/k8s_serviceaccount_token_created.yml': {
    ruleId: 'Kubernetes.ServiceAccount.TokenCreated',
    scope: 'native',
    ours: ['token-minted'],
    note: 'TokenRequest (create serviceaccounts/token) by a non-control-plane, non-node identity',
  },
  'kubernetes_rules/k8s_steal_serviceaccount_token.yml': {
    ruleId: 'Kubernetes.Pod.StealServiceAccountToken',
    scope: 'native',
    ours: ['pod-exec-suspicious-command'],
    note: 'The service-account-token pattern of pod-exec-suspicious-command (Kubernetes, EKS IRSA and Azure workload-identity token paths)',
    asTuning: { rules: { 'pod-exec-suspicious-command': { exceptions: [`${SYSTEM_PRINCIPAL} && ${IN_SYSTEM_NAMESPACE}`] } } },
  },
  'kubernetes_rules/k8s_system_principal_public_ip.yml': {
    ruleId: 'Kubernetes.System.Principal.PublicIP',
    scope: 'native',
    ours: null,
    note: 'Depends on geo/IP data kaudit does not have: whether a source IP is public and outside the cloud provider’s published ranges (AWS, Azure, GCP)',
  },
  'kubernetes_rules/k8s_system_role_modified.yml': {
    ruleId: 'Kubernetes.SystemRole.Modified',
    scope: 'native',
    ours: ['system-role-modified'],
    note: 'system: ClusterRoles and ClusterRoleBindings changed or deleted by non-system identities',
    asTuning: { rules: { 'system-role-modified': { exceptions: ["record.name == 'system:coredns'"] } } },
  },
};

/** Why kaudit's verdict on a Panther test differs from Panther's ExpectedResult. */
export type DisagreementCategory = 'ours-stricter' | 'theirs-narrower' | 'needs-context' | 'peer-quirk';

export const categoryMeaning: Readonly<Record<DisagreementCategory, string>> = {
  'ours-stricter': 'kaudit’s rule asks more before it fires (a narrower definition of the threat): Panther alerts, kaudit does not',
  'theirs-narrower': 'Panther’s rule excludes principals, namespaces, verbs or objects that kaudit covers: kaudit alerts, Panther does not',
  'needs-context': 'Panther’s verdict depends on what one event does not carry: a threshold, state, geo-IP or cloud IP ranges',
  'peer-quirk': 'a hand-edited event kube-apiserver cannot produce: the verdict on it says nothing about real traffic',
};

export interface KnownDisagreement {
  category: DisagreementCategory;
  reason: string;
}

const CHANGES_TOO = 'kaudit’s rules cover changes too, not only creation: a role, binding, webhook or Ingress widened later is as dangerous as one created so';
const NOT_CONTROL_PLANE =
  'a kube-system service account that is not a control-plane component gets no pass: a compromised operator in kube-system is the threat (known operators belong in the tuning file as exceptions)';
const ANY_ADDRESS =
  'Panther counts denials from public IPs only; kaudit counts an identity’s denials from any address, as an attacker inside the network (a compromised pod) probes from a private IP';

// A known disagreement of each category, from its reason.
const oursStricter = (reason: string): KnownDisagreement => ({ category: 'ours-stricter', reason });
const theirsNarrower = (reason: string): KnownDisagreement => ({ category: 'theirs-narrower', reason });
const peerQuirk = (reason: string): KnownDisagreement => ({ category: 'peer-quirk', reason });

/** Every Panther test (`<source_file> | <test name>`) on which kaudit's mapped rules disagree, and why. */
export const knownDisagreements: Readonly<Record<string, KnownDisagreement>> = {
  'aws_eks_rules/anonymous_api_access.yml | Anonymous API Access Web Scanner Allowed': oursStricter('/version is served to everyone by the default ClusterRoleBinding system:public-info-viewer; kaudit exempts /healthz, /livez, /readyz and /version from anonymous-request-allowed'),
  'aws_eks_rules/anonymous_api_access.yml | ELB Health Check from Public IP': oursStricter('/healthz is public by design (system:public-info-viewer) and exempt whatever the source address; Panther exempts health checks from private IPs only'),
  'aws_eks_rules/anonymous_api_access.yml | Anonymous API Access Web Scanner Denied': oursStricter('the request was denied (decision forbid, 403): anonymous-request-allowed reports what got through; denied anonymous probing is counted by anonymous-scan (20 rejections from one IP in 5 minutes)'),
  'aws_eks_rules/source_ip_multiple_403.yml | 403 and Private IP': theirsNarrower(ANY_ADDRESS),
  'gcp_k8s_rules/gcp_k8s_pod_create_or_modify_host_path_vol_mount.yml | Pod Not Created': peerQuirk(
    'a hand-trimmed failure: the response is {"status": "Failure"} with no code and protoPayload has no status. GKE writes a failed request’s google.rpc code in protoPayload.status (and kube-apiserver’s Status, with its HTTP code, as the response), so the converted Event carries a Failure without a code, which the rules take as not failed',
  ),
  'gcp_k8s_rules/gcp_k8s_privileged_pod_created.yml | GCP Service Account Creating Privileged Pod (Excluded)': theirsNarrower(
    'no creator exemption: the pod runs privileged whoever creates it, GKE’s service agent included; GKE’s own agents (gke.gcr.io images) are exempted by image in lists.trustedImages, not by who created them',
  ),
  'gcp_k8s_rules/gcp_k8s_privileged_pod_created.yml | Privileged Pod in System Namespace (Excluded)': theirsNarrower(
    'no namespace exemption: a privileged container controls its node from gke-system as much as from default; known system images are exempted by lists.trustedImages',
  ),
  'kubernetes_rules/k8s_admission_controller_created.yml | Webhook Update (Not Create)': theirsNarrower(CHANGES_TOO),
  'kubernetes_rules/k8s_anonymous_api_access.yml | Google Load Balancer Health Check (excluded)': theirsNarrower(
    'Panther exempts anonymous callers whose user agent says GoogleHC; a user agent is whatever the client sends, and an allowed anonymous list of componentstatuses is an exposure whoever sends it (Google’s health checks probe /healthz, which kaudit exempts by path)',
  ),
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml | GKE ClusterRoleBinding to admin role': oursStricter(
    'cluster-admin-binding is about cluster-admin only (the rule id is the contract); a ClusterRoleBinding to admin is judged by what admin grants (rbac-* rules, RBAC verdict)',
  ),
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml | AKS ClusterRoleBinding to system:masters': oursStricter('system:masters is a group, not a ClusterRole: a roleRef to it names no role and grants nothing (membership of the group is what bypasses RBAC, and that is system-masters-used)'),
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml | EKS ClusterRoleBinding to controller-manager role': oursStricter('cluster-admin-binding is about cluster-admin only (the rule id is the contract); bindings to other powerful roles are judged by what the role grants'),
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml | RoleBinding (not ClusterRoleBinding)': theirsNarrower('kaudit: RoleBinding or ClusterRoleBinding; a RoleBinding to cluster-admin gives full control of the namespace, its Secrets included'),
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml | System principal creating binding (excluded)': theirsNarrower(NOT_CONTROL_PLANE),
  'kubernetes_rules/k8s_ingress_without_tls.yml | System namespace (excluded)': theirsNarrower('no namespace exemption: a plain-HTTP Ingress in kube-system exposes system services, which is worse, not better'),
  'kubernetes_rules/k8s_ingress_without_tls.yml | Updating existing ingress (not creating)': theirsNarrower(CHANGES_TOO),
  'kubernetes_rules/k8s_kubectl_cp_operation.yml | EKS kubectl cp TO pod (not exfiltration)': theirsNarrower('kubectl cp runs tar in the container in both directions; copying into a running pod plants tools or binaries, and kaudit’s kubectl-cp pattern reports both'),
  'kubernetes_rules/k8s_kubectl_cp_operation.yml | EKS regular tar archive creation': theirsNarrower('tar through exec is reported whatever its flags: packing data inside a pod is the usual first step of exfiltration, and an audit event cannot tell a backup from staging'),
  'kubernetes_rules/k8s_kubectl_cp_operation.yml | EKS system namespace (excluded)': theirsNarrower('no namespace or identity exemption: a kube-system service account running tar through exec is nothing the control plane does'),
  'kubernetes_rules/k8s_multiple_403_public_ip.yml | 403 from Private IP (Excluded)': theirsNarrower(ANY_ADDRESS),
  'kubernetes_rules/k8s_multiple_403_public_ip.yml | No Source IP': peerQuirk('an event with neither user nor sourceIPs: kube-apiserver records both on every request, and answers 403 only to an authenticated user (kaudit counts it under the empty username)'),
  'kubernetes_rules/k8s_pod_created_in_system_namespace.yml | EKS pod created in kube-node-lease': oursStricter('kaudit’s system namespaces are kube-system and kube-public (lists.systemNamespaces); kube-node-lease holds only node Leases, and a site that wants it watched adds it to the list'),
  'kubernetes_rules/k8s_pod_created_in_system_namespace.yml | GKE pod created in gke-system': oursStricter(
    'kaudit’s system namespaces are kube-system and kube-public (lists.systemNamespaces); gke-system holds GKE’s own agents, and a GKE site that wants it watched adds it (with gke-managed-* namespaces) to the list',
  ),
  'kubernetes_rules/k8s_pod_created_in_system_namespace.yml | Deployment creating pod (not direct pod creation)': theirsNarrower('kaudit covers pod templates too: a Deployment a user creates in kube-system runs its pods there just the same'),
  'kubernetes_rules/k8s_pod_host_ipc.yml | System Namespace with HostIPC (Excluded)': theirsNarrower('no namespace or creator exemption: a pod sharing the node’s IPC namespace is as dangerous in kube-system; known system images are exempted by lists.trustedImages instead'),
  'kubernetes_rules/k8s_pod_hostpath_volume.yml | AKS Pod With HostPath': oursStricter('/mnt/data is not a path that exposes the node (root filesystem, /etc, /proc, /root, runtime sockets, kubelet and control-plane state); any-hostPath is Pod Security Baseline’s business (pod-security-violation)'),
  'kubernetes_rules/k8s_privileged_pod_created.yml | Privileged Pod in System Namespace (Excluded)': theirsNarrower('the pod runs privileged whoever creates it (Falco’s own privileged-pod traces are created by the replicaset-controller too); known system images are exempted by lists.trustedImages'),
  'kubernetes_rules/k8s_role_node_proxy_permissions.yml | AKS ClusterRole with nodes/* permission': oursStricter('Kubernetes RBAC has no `resource/*` wildcard (ResourceMatches: `*`, exact, `*/subresource`): `nodes/*` does not grant nodes/proxy; the role’s `*` verbs are reported by rbac-wildcard'),
  'kubernetes_rules/k8s_role_node_proxy_permissions.yml | System principal creating role (excluded)': theirsNarrower(NOT_CONTROL_PLANE),
  'kubernetes_rules/k8s_role_node_proxy_permissions.yml | Updating existing role (not creating)': theirsNarrower(CHANGES_TOO),
  'kubernetes_rules/k8s_role_pod_exec.yml | System principal creating role (excluded)': theirsNarrower(NOT_CONTROL_PLANE),
  'kubernetes_rules/k8s_role_pod_exec.yml | Updating existing role (not creating)': theirsNarrower(CHANGES_TOO),
  'kubernetes_rules/k8s_role_wildcard.yml | ClusterRole with wildcard apiGroups only (not resources or verbs)': theirsNarrower('kaudit: `*` in verbs, resources or apiGroups; apiGroups `*` grants the resource in every API group, present and future (CRDs included)'),
  'kubernetes_rules/k8s_role_wildcard.yml | System principal creating role (excluded)': theirsNarrower(NOT_CONTROL_PLANE),
  'kubernetes_rules/k8s_role_wildcard.yml | Updating existing role (not creating)': theirsNarrower(CHANGES_TOO),
  'kubernetes_rules/k8s_secret_access_denied.yml | EKS failed secret get (404 Not Found)': oursStricter('a 404 means the caller was allowed to look and the Secret does not exist; forbidden-burst counts denials (403), not misses'),
  'kubernetes_rules/k8s_secret_access_denied.yml | AKS failed secret get (401 Unauthorized)': peerQuirk('a 401 means authentication failed, so kube-apiserver records no username (its failed-authentication audit event has an empty user); this one names compromised-user@example.com'),
  'kubernetes_rules/k8s_secret_access_denied.yml | System service account failed get (excluded)': theirsNarrower('forbidden-burst exempts no identity: a kube-system service account denied again and again is probing or broken, either worth seeing'),
  'kubernetes_rules/k8s_secret_access_denied.yml | Failed get on non-secret resource': theirsNarrower('forbidden-burst counts denials on any resource (permission probing is rarely confined to Secrets)'),
  'kubernetes_rules/k8s_secret_access_denied.yml | List secrets operation (not get)': theirsNarrower('forbidden-burst counts denials of every verb; a denied list of Secrets is probing as much as a denied get'),
  'kubernetes_rules/k8s_secret_enumeration.yml | User Lists Secrets': oursStricter('a list in one application namespace: secrets-enumeration covers all namespaces and kube-system, secret-read-burst counts distinct Secrets read by name, and a namespaced list is neither'),
  'kubernetes_rules/k8s_secret_enumeration.yml | User Watches Secrets': oursStricter('a watch in one application namespace: secrets-enumeration covers all namespaces and kube-system, secret-read-burst counts distinct Secrets read by name, and a namespaced watch is neither'),
  'kubernetes_rules/k8s_secret_enumeration.yml | User Gets Secret - Access Denied': oursStricter('a denied get reads nothing: secret-read-burst counts Secrets actually read; the denial is forbidden-burst’s to count'),
  'kubernetes_rules/k8s_secrets_dump_all_namespaces.yml | Kube-state-metrics listing secrets (excluded)': theirsNarrower('kaudit: any non-control-plane identity; kube-state-metrics reading every Secret in the cluster is an over-grant worth seeing once (a tuning-file exception silences it)'),
  'kubernetes_rules/k8s_serviceaccount_token_created.yml | System principal in user namespace (alert)': oursStricter('kaudit: token-minted exempts the control plane, and kube-controller-manager mints tokens for its controllers by design'),
  'kubernetes_rules/k8s_steal_serviceaccount_token.yml | System principal in system namespace (excluded)': theirsNarrower('no identity exemption for reading a token through exec: no control-plane component execs into pods, so kube-proxy’s service account doing it is an intruder using a stolen identity'),
  'kubernetes_rules/k8s_system_role_modified.yml | GKE system Role patched': oursStricter(
    'system-role-modified covers the ClusterRoles and ClusterRoleBindings of the bootstrap policy; a namespaced Role named system:… (kube-system’s leader-election and bootstrap-signer Roles) grants inside one namespace, and what a changed Role grants is the rbac-* rules’ business when the body is logged (this patch carries none)',
  ),
  'kubernetes_rules/k8s_system_role_modified.yml | System:coredns modified (excluded - expected)': theirsNarrower('kaudit: any system: ClusterRole; kubeadm upgrades patch system:coredns as an admin, which a tuning-file exception expresses without blinding the rule for everyone'),
};
