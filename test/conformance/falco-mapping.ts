// Falco k8saudit rules ↔ kaudit rules, as data. Used by test/unit/conformance-falco.test.ts and the
// conformance report (test/conformance/report.ts → docs/conformance.md), which replay Falco's traces in
// ../shared/corpus/falco-k8s-audit against the outcomes of its EXPECTED.md. Falco's rule conditions are
// those of falcosecurity/plugins plugins/k8saudit/rules/k8s_audit_rules.yaml (read, not copied).

export type FalcoPriority = 'WARNING' | 'NOTICE' | 'INFO';

export interface FalcoMapping {
  priority: FalcoPriority;
  /** kaudit rule ids (built-in, or custom rules of falco.tuning.yaml) that report the same thing; null: none. */
  ours: readonly string[] | null;
  /** Why this is the equivalent, what differs in scope, or why there is none. */
  note: string;
}

const ACTIVITY =
  'INFO activity rule (one alert per successful create/delete of the kind): kaudit reports security findings, not activity; every request is kept as a queryable record instead';
const activity = (): FalcoMapping => ({ priority: 'INFO', ours: null, note: ACTIVITY });

/** Every Falco rule named in EXPECTED.md (legacy matrix and the newest port's renamed activity rules). */
export const falcoRules: Readonly<Record<string, FalcoMapping>> = {
  'Anonymous Request Allowed': {
    priority: 'WARNING',
    ours: ['anonymous-request-allowed'],
    note: 'Same condition: system:anonymous (kaudit: or group system:unauthenticated) allowed, health/live/ready (kaudit: and /version) endpoints excepted',
  },
  'Attach to cluster-admin Role': {
    priority: 'WARNING',
    ours: ['cluster-admin-binding'],
    note: 'kaudit also covers RoleBindings to cluster-admin and changes of existing bindings',
  },
  'Attach/Exec Pod': {
    priority: 'NOTICE',
    ours: ['pod-exec'],
    note: 'pods/exec and pods/attach; kaudit also counts verb get (websocket clients, kubectl >= 1.30)',
  },
  'ClusterRole With Pod Exec Created': {
    priority: 'WARNING',
    ours: ['rbac-sensitive-grant'],
    note: 'kaudit decides what a role grants with the RBAC authorizer’s matching (so `*` resources grant pods/exec too), also on update/patch',
  },
  'ClusterRole With Wildcard Created': {
    priority: 'WARNING',
    ours: ['rbac-wildcard'],
    note: 'kaudit also counts `*` in apiGroups and `*/subresource`, also on update/patch',
  },
  'ClusterRole With Write Privileges Created': {
    priority: 'NOTICE',
    ours: null,
    note: 'No equivalent by design: nearly every role grants some write verb. kaudit reports the grants that change who controls the cluster (rbac-wildcard, rbac-escalation-verbs, rbac-sensitive-grant); Panther’s Kubernetes.Role.WritePermissions is left unmapped for the same reason',
  },
  'Create/Modify Configmap With Private Credentials': {
    priority: 'WARNING',
    ours: ['credentials-in-configmap'],
    note: 'Falco matches substrings (password, aws_access_key_id, …) anywhere in the object; kaudit matches credential-like keys and values word-wise, without reporting names that only refer to a credential',
  },
  'Create Disallowed Pod': {
    priority: 'WARNING',
    ours: ['falco-disallowed-pod'],
    note: 'Site allow-list of images: custom CEL rule in falco.tuning.yaml (off by default like Falco’s always-true macro; the allow_*_container overrides enable it with the allowed images as an exception). kaudit’s own allow-list is by registry (untrusted-registry), not by repository',
  },
  'Create HostNetwork Pod': {
    priority: 'WARNING',
    ours: ['host-namespace'],
    note: 'kaudit also covers hostPID/hostIPC and pod templates of workload controllers; trusted images via lists.trustedImages',
  },
  'Create Privileged Pod': {
    priority: 'WARNING',
    ours: ['privileged-container'],
    note: 'Any container, init or ephemeral container; pod templates too; trusted images via lists.trustedImages',
  },
  'Create Sensitive Mount Pod': {
    priority: 'WARNING',
    ours: ['sensitive-host-mount'],
    note: 'kaudit’s sensitive paths include Falco’s and their ancestors/descendants; trusted images via lists.trustedImages',
  },
  'Create NodePort Service': {
    priority: 'WARNING',
    ours: ['nodeport-service'],
    note: 'Same condition; kaudit also reports a Service changed to NodePort',
  },
  'Pod Created in Kube Namespace': {
    priority: 'WARNING',
    ours: ['workload-in-system-namespace'],
    note: 'kaudit reports only non-system identities are reported (see the documented exceptions below); pod templates in kube-system/kube-public count too',
  },
  'Service Account Created in Kube Namespace': {
    priority: 'WARNING',
    ours: null,
    note: 'No equivalent by design: a ServiceAccount grants nothing by itself. kaudit reports what makes one powerful: a binding (cluster-admin-binding, rbac-*), a minted token (token-minted), a long-lived token Secret (legacy-token-secret-created), a workload in kube-system (workload-in-system-namespace)',
  },
  'System ClusterRole Modified/Deleted': {
    priority: 'WARNING',
    ours: ['system-role-modified'],
    note: 'kaudit covers system: ClusterRoleBindings too, exempts system identities and has no name exceptions (system:coredns is a tuning-file exception)',
  },
  'Disallowed K8s User': {
    priority: 'WARNING',
    ours: ['falco-disallowed-k8s-user'],
    note: 'Site allow-list of users: custom CEL rule in falco.tuning.yaml with Falco’s allowed_k8s_users and eks_allowed_k8s_users; allow_user_some-user.yaml becomes a CEL exception',
  },
  'Create Disallowed Namespace': {
    priority: 'WARNING',
    ours: ['falco-disallowed-namespace'],
    note: 'Site allow-list of namespaces: custom CEL rule in falco.tuning.yaml with Falco’s allowed_namespaces; allow_namespace_foo.yaml becomes a CEL exception',
  },
  json_pointer_example: {
    priority: 'WARNING',
    ours: null,
    note: 'Not a detection: a one-rule file testing Falco’s JSON-pointer field syntax (single_rule_with_json_pointer.yaml), loaded without any other rule',
  },
  'K8s Deployment Created': activity(),
  'K8s Deployment Deleted': activity(),
  'K8s Service Created': activity(),
  'K8s Service Deleted': activity(),
  'K8s ConfigMap Created': activity(),
  'K8s ConfigMap Deleted': activity(),
  'K8s Namespace Created': activity(),
  'K8s Namespace Deleted': activity(),
  'K8s Serviceaccount Created': activity(),
  'K8s Serviceaccount Deleted': activity(),
  'K8s Secret Created': activity(),
  'K8s Secret Deleted': activity(),
  'K8s Role/Clusterrole Created': activity(),
  'K8s Role/Clusterrole Deleted': activity(),
  'K8s Role/Clusterrolebinding Created': activity(),
  'K8s Role/Clusterrolebinding Deleted': activity(),
  'K8s Role Created': activity(),
  'K8s Role Deleted': activity(),
  'K8s ClusterRole Created': activity(),
  'K8s ClusterRole Deleted': activity(),
  'K8s RoleBinding Created': activity(),
  'K8s RoleBinding Deleted': activity(),
  'K8s ClusterRoleBinding Created': activity(),
  'K8s ClusterRoleBinding Deleted': activity(),
};

/**
 * Where kaudit deliberately differs from a Falco expectation: the test asserts kaudit's verdict (`oursFires`)
 * for these legacy cases, and the report lists them as disagreements with the reason.
 */
export interface FalcoException {
  falcoRule: string;
  /** Legacy case names (falco_k8s_audit_tests.yaml). */
  cases: readonly string[];
  oursFires: boolean;
  reason: string;
}

export const falcoExceptions: readonly FalcoException[] = [
  {
    falcoRule: 'Pod Created in Kube Namespace',
    cases: ['create_pod_in_kube_system_namespace', 'create_pod_in_kube_public_namespace'],
    oursFires: false,
    reason:
      'kaudit limits workload-in-system-namespace to non-system identities: in both traces the pod is created by system:serviceaccount:kube-system:replicaset-controller carrying out a ReplicaSet, which is the control plane doing its job (the same creation by a person is reported)',
  },
];

/** A fragment of the tuning file (same schema as falco.tuning.yaml), layered over it like a Falco override file. */
export interface TuningFragment {
  lists?: { trustedImages?: readonly string[] };
  rules?: Readonly<Record<string, { enabled?: boolean; exceptions?: readonly string[] }>>;
}

/** CEL: every container of the pod request runs one of `repositories` (Falco: image.repository in (…)). */
function allImagesFrom(repositories: readonly string[]): string {
  const one = repositories.map((r) => `c.image == "${r}" || c.image.startsWith("${r}:") || c.image.startsWith("${r}@")`).join(' || ');
  return `has(event.requestObject) && has(event.requestObject.spec) && event.requestObject.spec.containers.all(c, ${one})`;
}

const allowNginx: TuningFragment = { rules: { 'falco-disallowed-pod': { enabled: true, exceptions: [allImagesFrom(['nginx'])] } } };
const allowOnlyApache: TuningFragment = { rules: { 'falco-disallowed-pod': { enabled: true, exceptions: [allImagesFrom(['apache'])] } } };

/** Falco's override files (EXPECTED.md "Rule overrides used by the cases") as tuning fragments. */
export const falcoOverrides: Readonly<Record<string, TuningFragment>> = {
  'trust_nginx_container.yaml': { lists: { trustedImages: ['nginx'] } },
  'allow_namespace_foo.yaml': { rules: { 'falco-disallowed-namespace': { exceptions: ['record.name == "foo"'] } } },
  'allow_user_some-user.yaml': { rules: { 'falco-disallowed-k8s-user': { exceptions: ['record.user == "some-user"'] } } },
  // Switches off Falco's INFO activity rules, which kaudit does not have.
  'disallow_kactivity.yaml': {},
  'allow_nginx_container.yaml': allowNginx,
  'allow_only_apache_container.yaml': allowOnlyApache,
  'engine_v4/allow_nginx_container.yaml': allowNginx,
  'engine_v4/allow_only_apache_container.yaml': allowOnlyApache,
};

/**
 * Falco's base rule sets (EXPECTED.md "base rules"). `default`, `engine_v4` (a compatibility copy with the
 * same rule names) and both together are all falco.tuning.yaml; `none` loads only the JSON-pointer test
 * rule, which has no kaudit counterpart, so such a case is not comparable.
 */
export const comparableBases: ReadonlySet<string> = new Set(['default', 'engine_v4', 'default+engine_v4']);
