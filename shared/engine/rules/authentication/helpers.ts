import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { identityKindOf } from '../../identity/index.js';
import { arr, inApiGroup, field, isObj, type Obj, str } from '../objects.js';
import { rulesOf } from '../types.js';

/** The constructor of this folder's rules (the category is stated here, once). */
export const authenticationRule = rulesOf('authentication');

export const anonymousUser = 'system:anonymous';

export const unauthenticatedGroup = 'system:unauthenticated';

/** The request path is one of `publicPaths` or under one (query string ignored). */
export function isPublicPath(requestUri: string, publicPaths: readonly string[]): boolean {
  const q = requestUri.indexOf('?');
  const p = (q === -1 ? requestUri : requestUri.slice(0, q)).replace(/(.)\/+$/, '$1');
  return publicPaths.some((pub) => p === pub || p.startsWith(pub.endsWith('/') ? pub : `${pub}/`));
}

export function isAnonymous(record: NormalizedRecord): boolean {
  return record.user === anonymousUser || record.groups.includes(unauthenticatedGroup);
}

/** Allowed by the authorizer; without the annotation, a non-error response code means it went through. */
export function wasAllowed(record: NormalizedRecord): boolean {
  if (record.decision !== null) return record.decision === 'allow';
  return record.responseCode !== null && record.responseCode < 400;
}

// ---------------------------------------------------------------------------------------------------------
// anonymous-kubelet-access
//
// The kubelet authorizes its own HTTPS API (port 10250) by mapping the request path to a `nodes` subresource
// (/stats → stats, /metrics → metrics, /logs → log, /spec → spec, /checkpoint → checkpoint, anything else →
// proxy) and, with `--authorization-mode=Webhook`, asking the API server with a SubjectAccessReview created
// with its own node credentials. With `--anonymous-auth=true` (the kubelet's default) unauthenticated callers
// reach that check as system:anonymous / system:unauthenticated. Three ways the audit log shows it:
//  (a) an anonymous caller allowed by the API server to nodes/proxy (or a kubelet subresource, or the
//      deprecated /api/v1/proxy/nodes/… path): fires only when allowed (decision allow, or a non-error code
//      when no decision was recorded): a denied anonymous request never reached a kubelet, and anonymous
//      probing is `anonymous-scan`'s business;
//  (b) a SubjectAccessReview created by `system:node:*` about system:anonymous or system:unauthenticated:
//      fires when the responseObject says `status.allowed: true`; at level Request (spec, no verdict) it
//      fires too, with `allowed: null` (lower confidence); `allowed: false` (the normal, safe answer) does not;
//  (c) any identity proxying through the API server to the kubelet's read-only port 10255, which serves
//      without authentication or authorization at all: fires unless the API server itself refused the proxy
//      request (decision forbid, 401 or 403).
// ---------------------------------------------------------------------------------------------------------
export const kubeletSubresources = new Set(['proxy', 'stats', 'log', 'metrics', 'spec', 'checkpoint']);

export const kubeletReadOnlyPort = '10255';

export const nodePrefix = 'system:node:';

export function rejectedByApiServer(record: NormalizedRecord): boolean {
  return record.decision === 'forbid' || record.responseCode === 401 || record.responseCode === 403;
}

export function kubeletSar(event: AuditEvent): { spec: Obj; allowed: boolean | null } | undefined {
  const response = isObj(event.responseObject) && event.responseObject.kind !== 'Status' ? event.responseObject : undefined;
  const request = isObj(event.requestObject) ? event.requestObject : undefined;
  const spec = field(response, 'spec') ?? field(request, 'spec');
  if (!isObj(spec)) return undefined;
  const allowed = field(response, 'status', 'allowed');
  return { spec, allowed: typeof allowed === 'boolean' ? allowed : null };
}

// ---------------------------------------------------------------------------------------------------------
// anonymous-binding-created
// ---------------------------------------------------------------------------------------------------------
export const bindingResources = new Set(['rolebindings', 'clusterrolebindings']);

export const bindingWrites = new Set(['create', 'update', 'patch']);

// What every caller may do by default (ClusterRoleBindings system:discovery, system:basic-user and
// system:public-info-viewer); binding system:authenticated to these is the stock configuration.
export const discoveryRoles = new Set(['system:discovery', 'system:basic-user', 'system:public-info-viewer']);

export const authenticatedGroup = 'system:authenticated';

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export function subjectsOf(binding: Obj): Subject[] {
  const out: Subject[] = [];
  for (const s of arr(binding.subjects)) {
    const kind = str(field(s, 'kind'));
    const name = str(field(s, 'name'));
    if (kind === undefined || name === undefined) continue;
    const namespace = str(field(s, 'namespace'));
    out.push(namespace === undefined ? { kind, name } : { kind, name, namespace });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// system-masters-used
// ---------------------------------------------------------------------------------------------------------
export const mastersGroup = 'system:masters';

// ---------------------------------------------------------------------------------------------------------
// bootstrap-token-misuse
//
// A bootstrap token (system:bootstrap:<token-id>, group system:bootstrappers) exists for kubelet TLS
// bootstrapping: create a CSR and get/list/watch it until the certificate is issued. Also allowed:
//  - discovery and health, which every authenticated caller has (system:discovery,
//    system:public-info-viewer): non-resource GETs of /api, /apis (and their group/version documents),
//    /version, /healthz, /livez, /readyz, /openapi/…;
//  - what `kubeadm join` reads with the token under the RBAC kubeadm grants its bootstrappers: get of the
//    kube-system ConfigMaps kubeadm-config, kubelet-config (-1.x before 1.24) and kube-proxy, and get of a
//    node (kubeadm:get-nodes, to refuse joining a name already taken).
// Anything else fires, allowed or not: a denied attempt with a bootstrap token is misuse too.
// ---------------------------------------------------------------------------------------------------------
export const csrReadWrite = new Set(['create', 'get', 'list', 'watch']);

export const discoveryPath = /^\/(?:api(?:\/[^/]+)?|apis(?:\/[^/]+){0,2}|version|healthz|livez|readyz|openapi\/.*)\/?$/;

export const kubeadmConfigMaps = /^(?:kubeadm-config|kubelet-config(?:-1\.\d+)?|kube-proxy)$/;

export function bootstrapAllowed(record: NormalizedRecord): boolean {
  const verb = record.derivedVerb;
  if (!record.isResourceRequest) return verb === 'get' && discoveryPath.test(record.path);
  if (record.resource === 'certificatesigningrequests') {
    return inApiGroup(record, 'certificates.k8s.io') && record.subresource === null && csrReadWrite.has(verb);
  }
  if (verb !== 'get' || record.subresource !== null || record.name === null) return false;
  if (record.resource === 'configmaps') return record.namespace === 'kube-system' && kubeadmConfigMaps.test(record.name);
  return record.resource === 'nodes';
}

// ---------------------------------------------------------------------------------------------------------
// privileged-impersonation
//
// The audit event names the impersonated user only after the impersonation filter authorized every
// `impersonate` check, so an event with impersonatedUser is an impersonation that happened. It fires when
//  - the target is privileged: system:admin, a control-plane user (kube-controller-manager, kube-scheduler,
//    apiserver, kube-proxy, volume-scheduler), a node (system:node:*), any kube-system service account,
//    or the group system:masters is impersonated; or
//  - the impersonator is not an administrator: a user or service account outside system:masters.
// So a system:masters administrator impersonating ordinary users or service accounts in application
// namespaces (`kubectl --as=bob`, `--as=system:serviceaccount:ns1:sa1`: checking what they may do, as in the
// audit2rbac capture) does not fire; a CI service account impersonating anyone does.
// ---------------------------------------------------------------------------------------------------------
export const adminUser = 'system:admin';

export const saKubeSystemPrefix = 'system:serviceaccount:kube-system:';

export function privilegedTarget(user: string | null, groups: readonly string[]): string | undefined {
  if (groups.includes(mastersGroup)) return `group ${mastersGroup}`;
  if (user === null) return undefined;
  if (user === adminUser || user.startsWith(saKubeSystemPrefix)) return user;
  const kind = identityKindOf(user, groups);
  return kind === 'controlplane' || kind === 'node' ? user : undefined;
}
