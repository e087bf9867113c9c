import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { RBAC_GROUP, apiGroupMatches, resourceMatches, verbMatches, type PolicyRule } from '../../rbac/index.js';
import { arr, inApiGroup, field, isObj, isWrite, str, strings, succeeded, writtenObject, type Obj } from '../objects.js';
import { rulesOf } from '../types.js';

/** The constructor of this folder's rules (the category is stated here, once). */
export const authorizationRule = rulesOf('authorization');

// Authorizers whose own decision RBAC cannot be compared with. Node-authorizer allows often carry an
// empty reason, so kubelets (system:node:*) are recognized by identity too.
export const otherAuthorizers = new Set(['node', 'webhook', 'abac']);

// RBAC and API-access rules (README "Detection rules", authorization). What a role grants is decided with the
// RBAC authorizer's own matching (../rbac/match.ts): `*` in verbs/apiGroups/resources, `*/subresource`,
// and no `pods/*` wildcard. Objects are the ones the request wrote (writtenObject); status subresource
// writes never change grants and are ignored. Only successful requests count.

export const AUTHZ_GROUP = 'authorization.k8s.io';

export const ADMISSION_GROUP = 'admissionregistration.k8s.io';

export const kindOf: Readonly<Record<string, string>> = {
  roles: 'Role',
  clusterroles: 'ClusterRole',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
};

/** `Role ns/name` or `ClusterRole name`, for summaries. */
export function describeObject(record: NormalizedRecord, obj: Obj | undefined): string {
  const kind = (record.resource && kindOf[record.resource]) ?? record.resource ?? 'object';
  const name = record.name ?? str(field(obj, 'metadata', 'name')) ?? '(unnamed)';
  return record.namespace ? `${kind} ${record.namespace}/${name}` : `${kind} ${name}`;
}

/** A Role/ClusterRole written by a successful create/update/patch (not a status write): its policy rules. */
export interface WrittenRole {
  object: Obj;
  rules: { index: number; rule: PolicyRule }[];
}

export function writtenRole(record: NormalizedRecord, event: AuditEvent): WrittenRole | undefined {
  if (record.resource !== 'roles' && record.resource !== 'clusterroles') return undefined;
  if (record.subresource !== null || !isWrite(record) || !succeeded(record) || !inApiGroup(record, RBAC_GROUP)) return undefined;
  const object = writtenObject(event);
  if (!object) return undefined;
  const rules = arr(object.rules).flatMap((r, index) =>
    isObj(r)
      ? [
          {
            index,
            rule: {
              verbs: strings(r.verbs),
              apiGroups: strings(r.apiGroups),
              resources: strings(r.resources),
              resourceNames: strings(r.resourceNames),
              nonResourceURLs: strings(r.nonResourceURLs),
            },
          },
        ]
      : [],
  );
  return { object, rules };
}

/** The verbs among `verbs` this rule grants on group/resource[/subresource] (`*` grants them all). */
export function grantedVerbs(rule: PolicyRule, group: string, resource: string, verbs: readonly string[]): string[] {
  if (!apiGroupMatches(rule, group)) return [];
  const slash = resource.indexOf('/');
  const subresource = slash < 0 ? '' : resource.slice(slash + 1);
  if (!resourceMatches(rule, resource, subresource)) return [];
  return verbs.filter((v) => verbMatches(rule, v));
}

// A role created by the API server's bootstrap policy or updated by the aggregation controller is the
// control plane doing its job; everyone else (kube-system operators included) is reported.
export const byControlPlane = (record: NormalizedRecord): boolean => record.identityKind === 'controlplane';

/** `get secrets in kube-system`, `get /healthz`, or a placeholder when the request was not recorded. */
export function describeAttributes(resourceAttributes: unknown, nonResourceAttributes: unknown): string {
  if (isObj(resourceAttributes)) {
    const verb = str(resourceAttributes.verb) ?? '?';
    const resource = str(resourceAttributes.resource) ?? '*';
    const sub = str(resourceAttributes.subresource);
    const ns = str(resourceAttributes.namespace);
    return `${verb} ${resource}${sub ? `/${sub}` : ''}${ns ? ` in ${ns}` : ''}`;
  }
  if (isObj(nonResourceAttributes)) return `${str(nonResourceAttributes.verb) ?? '?'} ${str(nonResourceAttributes.path) ?? '?'}`;
  return 'do something (request not recorded)';
}

// escalate/bind on roles lift RBAC's escalation check; impersonate on identities becomes anyone.
export const escalationGrants: readonly { group: string; resources: readonly string[]; verbs: readonly string[] }[] = [
  { group: RBAC_GROUP, resources: ['roles', 'clusterroles'], verbs: ['escalate', 'bind'] },
  { group: '', resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
  { group: 'authentication.k8s.io', resources: ['uids'], verbs: ['impersonate'] },
];

/** Impersonating user extras is checked as `userextras/<key>`: any such entry (or `*`) grants some. */
export function impersonatesExtras(rule: PolicyRule): boolean {
  return (
    verbMatches(rule, 'impersonate') &&
    apiGroupMatches(rule, 'authentication.k8s.io') &&
    rule.resources.some((r) => r === '*' || r.startsWith('userextras/'))
  );
}

// Each: what it gives (exec into containers, the kubelet API, new tokens, Secret contents) and the verbs that
// give it. exec/attach are `create` over SPDY and `get` over websockets (kubectl >= 1.30); the kubelet maps
// GET/POST/PUT/PATCH/DELETE on nodes/proxy to get/create/update/patch/delete, and GET alone reaches its exec.
export const sensitiveGrants: readonly { resource: string; verbs: readonly string[] }[] = [
  { resource: 'pods/exec', verbs: ['create', 'get'] },
  { resource: 'pods/attach', verbs: ['create', 'get'] },
  { resource: 'nodes/proxy', verbs: ['get', 'create', 'update', 'patch', 'delete'] },
  { resource: 'serviceaccounts/token', verbs: ['create'] },
  { resource: 'secrets', verbs: ['get', 'list', 'watch'] },
];

export const systemRoleChanges = new Set(['update', 'patch', 'delete']);

/** `fieldSelector=metadata.name=<n>`: a list/watch of one object (kubelets and informers watch single Secrets so). */
export function singleObjectSelector(requestUri: string): boolean {
  const q = requestUri.indexOf('?');
  if (q < 0) return false;
  const selector = new URLSearchParams(requestUri.slice(q + 1)).get('fieldSelector');
  if (selector === null) return false;
  return selector.split(',').some((term) => /^metadata\.name==?[^=]/.test(term.trim()));
}

export const admissionResources = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

export const admissionChanges = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export { pastTense } from '../objects.js';
