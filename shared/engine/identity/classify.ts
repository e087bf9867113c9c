import type { UserInfo } from '#shared/contracts';

// Who made the request and with which kind of credential, from the authenticated user info, the
// credential id the API server records (`authentication.kubernetes.io/credential-id`, 1.29+) and the
// authentication annotations. Kubernetes does not record the authenticator, so some answers come from
// the identity's shape (documented per branch) and `unknown` is said rather than guessed.
export const identityKinds = ['anonymous', 'node', 'serviceaccount', 'controlplane', 'bootstrap', 'user'] as const;
export type IdentityKind = (typeof identityKinds)[number];
export const credentialKinds = ['x509', 'sa-bound-token', 'sa-legacy-token', 'bootstrap-token', 'oidc-or-token', 'anonymous', 'unknown'] as const;
export type CredentialKind = (typeof credentialKinds)[number];

export interface Identity {
  identityKind: IdentityKind;
  serviceAccount: { namespace: string; name: string } | null;
  nodeName: string | null;
  pod: { name: string; uid: string | null } | null;
  credentialKind: CredentialKind;
  credentialId: string | null;
}

const extraPrefix = 'authentication.kubernetes.io/';
const saPrefix = 'system:serviceaccount:';
const nodePrefix = 'system:node:';
const bootstrapPrefix = 'system:bootstrap:';

// Control-plane components authenticate as these users (client certificates)…
const controlPlaneUsers = new Set([
  'system:apiserver',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:kube-proxy',
  'system:volume-scheduler',
]);
// …or, with --use-service-account-credentials, as per-controller service accounts in kube-system.
const controlPlaneServiceAccount = /^(?:[a-z-]+-controller|generic-garbage-collector|kube-proxy|attachdetach-controller|certificate-controller|clusterrole-aggregation-controller|disruption-controller|endpoint-controller|endpointslice-controller|endpointslicemirroring-controller|ephemeral-volume-controller|expand-controller|horizontal-pod-autoscaler|job-controller|namespace-controller|node-controller|persistent-volume-binder|pod-garbage-collector|pv-protection-controller|pvc-protection-controller|replicaset-controller|replication-controller|resourcequota-controller|root-ca-cert-publisher|route-controller|service-account-controller|service-controller|statefulset-controller|token-cleaner|ttl-after-finished-controller|ttl-controller|bootstrap-signer|cronjob-controller|daemon-set-controller|deployment-controller|legacy-service-account-token-cleaner|validatingadmissionpolicy-status-controller)$/;

/** `authentication.kubernetes.io/pod-name`, also as SIEMs flatten it (`authentication_kubernetes_io_slash_pod-name`). */
export function extraValue(extra: UserInfo['extra'], key: string): string | null {
  if (!extra) return null;
  const v = extra[`${extraPrefix}${key}`] ?? extra[`authentication_kubernetes_io_slash_${key}`];
  return v?.[0] ?? null;
}

function hasForeignExtra(extra: UserInfo['extra']): boolean {
  if (!extra) return false;
  return Object.keys(extra).some((k) => !k.startsWith(extraPrefix) && !k.startsWith('authentication_kubernetes_io_slash_'));
}

export function identityKindOf(username: string, groups: readonly string[]): IdentityKind {
  if (username === 'system:anonymous' || groups.includes('system:unauthenticated')) return 'anonymous';
  if (username.startsWith(nodePrefix)) return 'node';
  if (username.startsWith(bootstrapPrefix) || groups.includes('system:bootstrappers')) return 'bootstrap';
  if (controlPlaneUsers.has(username)) return 'controlplane';
  if (username.startsWith(saPrefix)) {
    const [ns, name] = username.slice(saPrefix.length).split(':');
    return ns === 'kube-system' && name !== undefined && controlPlaneServiceAccount.test(name) ? 'controlplane' : 'serviceaccount';
  }
  return 'user';
}

function credentialKindOf(
  kind: IdentityKind,
  username: string,
  credentialId: string | null,
  pod: Identity['pod'],
  legacy: boolean,
  foreignExtra: boolean,
): CredentialKind {
  if (kind === 'anonymous') return 'anonymous';
  if (kind === 'bootstrap') return 'bootstrap-token';
  if (credentialId?.startsWith('X509SHA256=')) return 'x509';
  const isSa = username.startsWith(saPrefix);
  if (isSa) {
    if (legacy) return 'sa-legacy-token';
    // Bound tokens carry a JTI (1.29+) and, when bound to a pod, the pod's name.
    if (credentialId?.startsWith('JTI=') || pod) return 'sa-bound-token';
    return 'unknown';
  }
  // Kubelets and control-plane components authenticate with client certificates.
  if (kind === 'node' || kind === 'controlplane') return 'x509';
  // Authenticating webhooks and OIDC add their own `extra` (e.g. EKS's arn/accessKeyId); OIDC usernames
  // are commonly e-mail addresses or issuer-prefixed.
  if (credentialId?.startsWith('JTI=') || foreignExtra || username.includes('@') || /^(oidc:|https?:\/\/)/.test(username)) {
    return 'oidc-or-token';
  }
  return 'unknown';
}

export function classifyIdentity(user: UserInfo | undefined, annotations: Record<string, string>): Identity {
  const username = user?.username ?? '';
  const groups = user?.groups ?? [];
  const extra = user?.extra;
  const kind = identityKindOf(username, groups);
  const podName = extraValue(extra, 'pod-name');
  const pod = podName === null ? null : { name: podName, uid: extraValue(extra, 'pod-uid') };
  const credentialId = extraValue(extra, 'credential-id');
  let serviceAccount: Identity['serviceAccount'] = null;
  if (username.startsWith(saPrefix)) {
    const [namespace, name] = username.slice(saPrefix.length).split(':');
    if (namespace && name) serviceAccount = { namespace, name };
  }
  const nodeName = kind === 'node' ? username.slice(nodePrefix.length) : extraValue(extra, 'node-name');
  const legacy = Object.keys(annotations).some((k) => k.startsWith('authentication.k8s.io/legacy-token'));
  return {
    identityKind: kind,
    serviceAccount,
    nodeName,
    pod,
    credentialKind: credentialKindOf(kind, username, credentialId, pod, legacy, hasForeignExtra(extra)),
    credentialId,
  };
}
