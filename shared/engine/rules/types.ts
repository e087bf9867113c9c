import type { AuditEvent, NormalizedRecord, RuleCategory, Severity } from '#shared/contracts';
import type { RuleState } from '../state/index.js';

// A rule is data plus a small pure predicate over the normalized record (and the raw event when it
// needs the request/response objects). It returns the facts that matched, or undefined.
export interface RuleMatch {
  /** One human sentence. */
  summary: string;
  /** Exactly the facts that matched. */
  evidence: Record<string, unknown>;
  /**
   * Severity by context: the finding is at least this severe, whatever the rule's own (or tuned) severity
   * is (an exec into a control-plane pod is high, an exec elsewhere the rule's medium).
   */
  raise?: Severity;
  /** Severity by context, the other way: the finding is at most this severe (a controller's informer). */
  lower?: Severity;
}

/** Lists and thresholds rules read; defaults below, overridden by the tuning file (KAUDIT_RULES_FILE). */
export interface RuleSettings {
  /** Image references (prefix match, e.g. `registry.k8s.io/pause`) exempt from the workload rules. */
  trustedImages: readonly string[];
  /** Registries images may come from (`untrusted-registry` is off while this is empty). */
  allowedRegistries: readonly string[];
  /** Identities (usernames) exempt from `system-masters-used` and similar break-glass checks. */
  breakGlassIdentities: readonly string[];
  /** Namespaces where non-system identities should not create workloads. */
  systemNamespaces: readonly string[];
  /**
   * Paths anonymous callers may reach without `anonymous-request-allowed` firing: an entry matches the path
   * itself and everything under it (`/healthz` covers `/healthz/etcd`), query strings ignored.
   */
  publicPaths: readonly string[];
  /**
   * Control-plane pods, as `<namespace>/<name prefix>` (static pods are `<component>-<node name>`): an exec
   * into one is high (`pod-exec`), as it reaches etcd's data or the API server's keys.
   */
  controlPlanePods: readonly string[];
  /** ClusterRoles whose bindings `cluster-admin-binding` reports (a site's own admin-equivalent roles). */
  adminRoles: readonly string[];
  /**
   * Host paths `sensitive-host-mount` reports: a hostPath equal to, under or an ancestor of an entry (`/` only
   * matches itself); `*` reports every hostPath.
   */
  sensitiveHostPaths: readonly string[];
  /**
   * ConfigMaps (`<namespace>/<name>`) that configure the cluster's authentication or name resolution:
   * `cluster-config-modified` reports their changes.
   */
  protectedConfigMaps: readonly string[];
  /** Node names that may register (`prefix*`, `*suffix` or exact); empty: any name (the check is off). */
  expectedNodeNames: readonly string[];
  /** Networks (CIDRs) nodes register from; empty: any address (the check is off). */
  nodeNetworks: readonly string[];
  anonymousScanThreshold: number;
  forbiddenBurstThreshold: number;
  /** Workloads one identity deletes within 5 minutes before `mass-deletion` reports it. */
  massDeletionThreshold: number;
  /** Distinct kinds of the cluster's layout one identity reads within a minute before `discovery-burst` reports it. */
  discoveryKindsThreshold: number;
  secretReadBurstThreshold: number;
  maxCredentialAgeDays: number;
  dormantDays: number;
  silenceMinutes: number;
  /** Events a minute that make a cluster's log busy (3 such minutes in a row before a gap make `audit-silence` high). */
  silenceBusyRate: number;
}

export const defaultRuleSettings: RuleSettings = {
  trustedImages: [],
  allowedRegistries: [],
  breakGlassIdentities: [],
  systemNamespaces: ['kube-system', 'kube-public'],
  publicPaths: ['/healthz', '/livez', '/readyz', '/version'],
  controlPlanePods: [
    'kube-system/kube-apiserver-',
    'kube-system/etcd-',
    'kube-system/kube-controller-manager-',
    'kube-system/kube-scheduler-',
    'openshift-etcd/etcd-',
    'openshift-kube-apiserver/kube-apiserver-',
  ],
  adminRoles: ['cluster-admin'],
  // The whole filesystem, kernel interfaces, container runtime sockets and state, kubelet and control-plane
  // credentials. `/run` too, as `/var/run` is a symlink to it. A mount of an ancestor (`/var`, `/var/lib`)
  // exposes them as well.
  sensitiveHostPaths: [
    '/',
    '/var/run/docker.sock',
    '/run/containerd/containerd.sock',
    '/var/run/crio/crio.sock',
    '/run/crio/crio.sock',
    '/var/lib/kubelet',
    '/etc/kubernetes',
    '/var/lib/docker',
    '/var/lib/containerd',
    '/var/lib/etcd',
    '/etc',
    '/proc',
    '/root',
    '/var/run',
    '/run',
    '/boot',
    '/dev',
    '/sys',
  ],
  protectedConfigMaps: ['kube-system/aws-auth', 'kube-system/coredns', 'kube-system/coredns-custom', 'kube-system/kube-dns'],
  expectedNodeNames: [],
  nodeNetworks: [],
  anonymousScanThreshold: 20,
  forbiddenBurstThreshold: 10,
  massDeletionThreshold: 10,
  discoveryKindsThreshold: 5,
  secretReadBurstThreshold: 15,
  maxCredentialAgeDays: 90,
  dormantDays: 30,
  silenceMinutes: 15,
  silenceBusyRate: 10,
};

export interface RuleContext {
  record: NormalizedRecord;
  event: AuditEvent;
  settings: RuleSettings;
  /** Per-engine state for stateful rules (windows, first-seen, …); keys are namespaced by rule id. */
  state: RuleState;
  /**
   * Per-engine memory that is not persisted (lost on restart): for what is worth remembering about every
   * request but not worth a write per event to the state topic, nor a place in `state`'s capacity.
   */
  memory: RuleState;
  /**
   * For a `stream` rule on a pace copy (shared-state.ts): the copy stands for `events` events of one minute of
   * a batch, the latest at `last` (ms). Absent: the event stands for itself.
   */
  pace?: { events: number; last: number };
}

/**
 * Which events a rule must see (shared-state.ts). `identity` (the default): the events of one identity, which
 * share its partition. `cluster`: also copies of the events that change the state it keeps about a cluster's
 * objects, whoever wrote them; it runs on those copies only to keep that state (its matches are dropped).
 * `stream`: every event of the cluster's log; on the bus it runs on the pace copies, where its findings are made.
 */
export type RuleScope = 'identity' | 'cluster' | 'stream';

export type { RuleCategory } from '#shared/contracts';

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  category: RuleCategory;
  /** MITRE ATT&CK technique ids (Containers matrix where one applies). */
  mitre: string[];
  /** absent: `identity` */
  scope?: RuleScope;
  evaluate(ctx: RuleContext): RuleMatch | undefined;
}

/** What a rule states about itself; its category is stated by the constructor of its folder (`rulesOf`). */
export type RuleHeader = Pick<Rule, 'id' | 'title' | 'severity' | 'mitre' | 'scope'>;

/** The rule constructor of one category: each category's `helpers.ts` exports one (`authorizationRule`, …). */
export const rulesOf =
  (category: RuleCategory) =>
  (header: RuleHeader, evaluate: Rule['evaluate']): Rule => ({ id: header.id, title: header.title, severity: header.severity, category, mitre: header.mitre, ...(header.scope === undefined ? {} : { scope: header.scope }), evaluate });
