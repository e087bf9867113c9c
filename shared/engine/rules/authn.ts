import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { identityKindOf } from '../identity/index.js';
import { arr, inApiGroup, field, isObj, type Obj, str, strings, succeeded, writtenObject } from './objects.js';
import type { Rule } from './types.js';

const anonymousUser = 'system:anonymous';
const unauthenticatedGroup = 'system:unauthenticated';

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

export const anonymousRequestAllowed: Rule = {
  id: 'anonymous-request-allowed',
  title: 'Anonymous request allowed',
  severity: 'high',
  category: 'authentication',
  mitre: ['T1078.001'],
  evaluate({ record, settings }) {
    if (!isAnonymous(record) || !wasAllowed(record)) return undefined;
    // Health and version endpoints are open to anonymous callers by design (system:public-info-viewer).
    if (isPublicPath(record.requestUri, settings.publicPaths)) return undefined;
    return {
      summary: `An unauthenticated caller (${record.user}) was allowed to ${record.verb} ${record.requestUri}.`,
      evidence: {
        user: record.user,
        groups: record.groups,
        verb: record.verb,
        requestUri: record.requestUri,
        decision: record.decision,
        responseCode: record.responseCode,
        clientIp: record.clientIp,
      },
    };
  },
};

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
const kubeletSubresources = new Set(['proxy', 'stats', 'log', 'metrics', 'spec', 'checkpoint']);
const kubeletReadOnlyPort = '10255';
const nodePrefix = 'system:node:';

function rejectedByApiServer(record: NormalizedRecord): boolean {
  return record.decision === 'forbid' || record.responseCode === 401 || record.responseCode === 403;
}

function kubeletSar(event: AuditEvent): { spec: Obj; allowed: boolean | null } | undefined {
  const response = isObj(event.responseObject) && event.responseObject.kind !== 'Status' ? event.responseObject : undefined;
  const request = isObj(event.requestObject) ? event.requestObject : undefined;
  const spec = field(response, 'spec') ?? field(request, 'spec');
  if (!isObj(spec)) return undefined;
  const allowed = field(response, 'status', 'allowed');
  return { spec, allowed: typeof allowed === 'boolean' ? allowed : null };
}

export const anonymousKubeletAccess: Rule = {
  id: 'anonymous-kubelet-access',
  title: 'Anonymous access to a kubelet',
  severity: 'critical',
  category: 'authentication',
  mitre: ['T1078.001', 'T1613', 'T1609'],
  evaluate({ record, event }) {
    if (record.resource === 'nodes') {
      const proxying = record.derivedVerb === 'proxy' || record.subresource === 'proxy';
      const nodeName = record.name ?? '';
      if (proxying && nodeName.split(':').at(-1) === kubeletReadOnlyPort && !rejectedByApiServer(record)) {
        return {
          summary: `${record.user} proxied through the API server to the unauthenticated kubelet read-only port on ${nodeName.split(':')[0] ?? nodeName}.`,
          evidence: {
            via: 'kubelet-read-only-port',
            user: record.user,
            node: nodeName,
            requestUri: record.requestUri,
            decision: record.decision,
            responseCode: record.responseCode,
          },
        };
      }
      const kubeletApi = record.derivedVerb === 'proxy' || (record.subresource !== null && kubeletSubresources.has(record.subresource));
      if (kubeletApi && isAnonymous(record) && wasAllowed(record)) {
        return {
          summary: `An unauthenticated caller (${record.user}) was allowed to reach the kubelet API of node ${nodeName} (${record.subresource ?? record.derivedVerb}).`,
          evidence: {
            via: 'node-subresource',
            user: record.user,
            groups: record.groups,
            node: nodeName,
            subresource: record.subresource,
            requestUri: record.requestUri,
            decision: record.decision,
            responseCode: record.responseCode,
            clientIp: record.clientIp,
          },
        };
      }
      return undefined;
    }
    if (record.resource !== 'subjectaccessreviews' || record.identityKind !== 'node' || !record.user.startsWith(nodePrefix)) return undefined;
    if (record.derivedVerb !== 'create' || !inApiGroup(record, 'authorization.k8s.io') || !succeeded(record)) return undefined;
    const sar = kubeletSar(event);
    if (!sar) return undefined;
    const subject = str(sar.spec.user) ?? null;
    const groups = strings(sar.spec.groups);
    if (subject !== anonymousUser && !groups.includes(unauthenticatedGroup)) return undefined;
    if (sar.allowed === false) return undefined;
    const attributes = field(sar.spec, 'resourceAttributes') ?? field(sar.spec, 'nonResourceAttributes') ?? null;
    return {
      summary:
        sar.allowed === true
          ? `Kubelet ${record.nodeName ?? record.user} was told an unauthenticated caller (${subject ?? unauthenticatedGroup}) may use its API.`
          : `Kubelet ${record.nodeName ?? record.user} asked whether an unauthenticated caller (${subject ?? unauthenticatedGroup}) may use its API; the answer was not recorded.`,
      evidence: {
        via: 'kubelet-subjectaccessreview',
        node: record.nodeName,
        sarUser: subject,
        sarGroups: groups,
        attributes,
        allowed: sar.allowed,
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// anonymous-binding-created
// ---------------------------------------------------------------------------------------------------------
const bindingResources = new Set(['rolebindings', 'clusterrolebindings']);
const bindingWrites = new Set(['create', 'update', 'patch']);
// What every caller may do by default (ClusterRoleBindings system:discovery, system:basic-user and
// system:public-info-viewer); binding system:authenticated to these is the stock configuration.
const discoveryRoles = new Set(['system:discovery', 'system:basic-user', 'system:public-info-viewer']);
const authenticatedGroup = 'system:authenticated';

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

function subjectsOf(binding: Obj): Subject[] {
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

export const anonymousBindingCreated: Rule = {
  id: 'anonymous-binding-created',
  title: 'Role bound to anonymous or all users',
  severity: 'critical',
  category: 'authentication',
  mitre: ['T1098', 'T1078.001'],
  evaluate({ record, event }) {
    if (record.resource === null || !bindingResources.has(record.resource) || record.subresource !== null) return undefined;
    if (!bindingWrites.has(record.derivedVerb) || !inApiGroup(record, 'rbac.authorization.k8s.io') || !succeeded(record)) return undefined;
    const binding = writtenObject(event);
    if (!binding) return undefined;
    // roleRef is immutable, so a patch usually omits it: then the role is unknown (null).
    const roleKind = str(field(binding, 'roleRef', 'kind')) ?? null;
    const roleName = str(field(binding, 'roleRef', 'name')) ?? null;
    const discovery = roleName !== null && discoveryRoles.has(roleName);
    // The API server reconciles its default bindings (system:public-info-viewer to system:unauthenticated)
    // at start-up as system:apiserver: control-plane writes of discovery roles are that, not an attack.
    if (discovery && record.identityKind === 'controlplane') return undefined;
    const matched = subjectsOf(binding).filter(
      (s) =>
        (s.kind === 'User' && s.name === anonymousUser) ||
        (s.kind === 'Group' && s.name === unauthenticatedGroup) ||
        // system:authenticated with an unknown role (patch) is not reported: that would be a guess.
        (s.kind === 'Group' && s.name === authenticatedGroup && roleName !== null && !discovery),
    );
    if (matched.length === 0) return undefined;
    const kind = record.resource === 'clusterrolebindings' ? 'ClusterRoleBinding' : 'RoleBinding';
    const bindingName = record.name ?? str(field(binding, 'metadata', 'name')) ?? null;
    return {
      summary: `${record.user} ${record.derivedVerb === 'create' ? 'created' : 'changed'} ${kind} ${bindingName ?? ''} binding ${roleKind ?? 'role'} ${roleName ?? '(unknown)'} to ${matched.map((s) => s.name).join(', ')}.`,
      evidence: {
        binding: kind,
        name: bindingName,
        namespace: record.namespace,
        roleRef: { kind: roleKind, name: roleName },
        subjects: matched,
        verb: record.derivedVerb,
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// system-masters-used
// ---------------------------------------------------------------------------------------------------------
const mastersGroup = 'system:masters';

export const systemMastersUsed: Rule = {
  id: 'system-masters-used',
  title: 'Request authenticated as system:masters',
  severity: 'medium',
  category: 'authentication',
  mitre: ['T1078'],
  evaluate({ record, settings }) {
    if (!record.groups.includes(mastersGroup)) return undefined;
    // The API server's own loopback client (system:apiserver) is in system:masters by construction.
    if (record.identityKind === 'controlplane' || settings.breakGlassIdentities.includes(record.user)) return undefined;
    // One finding per request: the finding id is per (rule, cluster, auditID), so the stages of one request
    // (RequestReceived, ResponseStarted, ResponseComplete) collapse into one.
    return {
      summary: `${record.user} used a system:masters credential, which bypasses authorization and cannot be revoked through RBAC.`,
      evidence: {
        user: record.user,
        groups: record.groups,
        credentialKind: record.credentialKind,
        impersonatedUser: record.impersonatedUser,
        clientIp: record.clientIp,
      },
    };
  },
};

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
const csrReadWrite = new Set(['create', 'get', 'list', 'watch']);
const discoveryPath = /^\/(?:api(?:\/[^/]+)?|apis(?:\/[^/]+){0,2}|version|healthz|livez|readyz|openapi\/.*)\/?$/;
const kubeadmConfigMaps = /^(?:kubeadm-config|kubelet-config(?:-1\.\d+)?|kube-proxy)$/;

function bootstrapAllowed(record: NormalizedRecord): boolean {
  const verb = record.derivedVerb;
  if (!record.isResourceRequest) return verb === 'get' && discoveryPath.test(record.path);
  if (record.resource === 'certificatesigningrequests') {
    return inApiGroup(record, 'certificates.k8s.io') && record.subresource === null && csrReadWrite.has(verb);
  }
  if (verb !== 'get' || record.subresource !== null || record.name === null) return false;
  if (record.resource === 'configmaps') return record.namespace === 'kube-system' && kubeadmConfigMaps.test(record.name);
  return record.resource === 'nodes';
}

export const bootstrapTokenMisuse: Rule = {
  id: 'bootstrap-token-misuse',
  title: 'Bootstrap token used beyond TLS bootstrapping',
  severity: 'high',
  category: 'authentication',
  mitre: ['T1078', 'T1552'],
  evaluate({ record }) {
    if (record.identityKind !== 'bootstrap' || bootstrapAllowed(record)) return undefined;
    const what = record.isResourceRequest
      ? `${record.derivedVerb} ${record.resource ?? ''}${record.subresource ? `/${record.subresource}` : ''}${record.name ? ` ${record.name}` : ''}${record.namespace ? ` in ${record.namespace}` : ''}`
      : `${record.derivedVerb} ${record.path}`;
    return {
      summary: `Bootstrap identity ${record.user} tried to ${what}, which TLS bootstrapping never needs.`,
      evidence: {
        user: record.user,
        verb: record.derivedVerb,
        apiGroup: record.apiGroup,
        resource: record.resource,
        subresource: record.subresource,
        namespace: record.namespace,
        name: record.name,
        path: record.path,
        decision: record.decision,
        responseCode: record.responseCode,
        clientIp: record.clientIp,
      },
    };
  },
};

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
const adminUser = 'system:admin';
const saKubeSystemPrefix = 'system:serviceaccount:kube-system:';

function privilegedTarget(user: string | null, groups: readonly string[]): string | undefined {
  if (groups.includes(mastersGroup)) return `group ${mastersGroup}`;
  if (user === null) return undefined;
  if (user === adminUser || user.startsWith(saKubeSystemPrefix)) return user;
  const kind = identityKindOf(user, groups);
  return kind === 'controlplane' || kind === 'node' ? user : undefined;
}

export const privilegedImpersonation: Rule = {
  id: 'privileged-impersonation',
  title: 'Privileged or unexpected impersonation',
  severity: 'high',
  category: 'authentication',
  mitre: ['T1548', 'T1078'],
  evaluate({ record }) {
    if (record.impersonatedUser === null && record.impersonatedGroups.length === 0) return undefined;
    const target = privilegedTarget(record.impersonatedUser, record.impersonatedGroups);
    const nonAdmin =
      !record.groups.includes(mastersGroup) && (record.identityKind === 'user' || record.identityKind === 'serviceaccount');
    if (target === undefined && !nonAdmin) return undefined;
    const reasons = [...(target === undefined ? [] : ['privileged-target']), ...(nonAdmin ? ['non-admin-impersonator'] : [])];
    const as = record.impersonatedUser ?? record.impersonatedGroups.join(', ');
    return {
      summary:
        target === undefined
          ? `${record.user}, who is not an administrator, impersonated ${as}.`
          : `${record.user} impersonated the privileged identity ${target}.`,
      evidence: {
        reasons,
        impersonator: record.user,
        impersonatorGroups: record.groups,
        impersonatedUser: record.impersonatedUser,
        impersonatedGroups: record.impersonatedGroups,
      },
    };
  },
};

export const authnRules: Rule[] = [
  anonymousRequestAllowed,
  anonymousKubeletAccess,
  anonymousBindingCreated,
  systemMastersUsed,
  bootstrapTokenMisuse,
  privilegedImpersonation,
];
