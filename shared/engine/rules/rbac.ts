import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { RBAC_GROUP, apiGroupMatches, resourceMatches, verbMatches, type Rule as PolicyRule } from '../rbac/index.js';
import { arr, inApiGroup, field, isObj, isWrite, isSystemIdentity, str, strings, succeeded, writtenObject, type Obj } from './objects.js';
import type { Rule } from './types.js';

// RBAC and API-access rules (SPEC §5.1 "Authorization and RBAC"). What a role grants is decided with the
// RBAC authorizer's own matching (../rbac/match.ts): `*` in verbs/apiGroups/resources, `*/subresource`,
// and no `pods/*` wildcard. Objects are the ones the request wrote (writtenObject); status subresource
// writes never change grants and are ignored. Only successful requests count.

const AUTHZ_GROUP = 'authorization.k8s.io';
const ADMISSION_GROUP = 'admissionregistration.k8s.io';

const kindOf: Readonly<Record<string, string>> = {
  roles: 'Role',
  clusterroles: 'ClusterRole',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
};

/** `Role ns/name` or `ClusterRole name`, for summaries. */
function describeObject(record: NormalizedRecord, obj: Obj | undefined): string {
  const kind = (record.resource && kindOf[record.resource]) ?? record.resource ?? 'object';
  const name = record.name ?? str(field(obj, 'metadata', 'name')) ?? '(unnamed)';
  return record.namespace ? `${kind} ${record.namespace}/${name}` : `${kind} ${name}`;
}

/** A Role/ClusterRole written by a successful create/update/patch (not a status write): its policy rules. */
interface WrittenRole {
  object: Obj;
  rules: { index: number; rule: PolicyRule }[];
}

function writtenRole(record: NormalizedRecord, event: AuditEvent): WrittenRole | undefined {
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
function grantedVerbs(rule: PolicyRule, group: string, resource: string, verbs: readonly string[]): string[] {
  if (!apiGroupMatches(rule, group)) return [];
  const slash = resource.indexOf('/');
  const subresource = slash < 0 ? '' : resource.slice(slash + 1);
  if (!resourceMatches(rule, resource, subresource)) return [];
  return verbs.filter((v) => verbMatches(rule, v));
}

// A role created by the API server's bootstrap policy or updated by the aggregation controller is the
// control plane doing its job; everyone else (kube-system operators included) is reported.
const byControlPlane = (record: NormalizedRecord): boolean => record.identityKind === 'controlplane';

export const permissionEnumeration: Rule = {
  id: 'permission-enumeration',
  title: 'Permissions enumerated with a self-subject review',
  severity: 'low',
  category: 'authorization',
  mitre: ['T1069', 'T1613'],
  evaluate({ record, event }) {
    if (record.resource !== 'selfsubjectaccessreviews' && record.resource !== 'selfsubjectrulesreviews') return undefined;
    if (record.verb !== 'create' || !succeeded(record) || !inApiGroup(record, AUTHZ_GROUP) || isSystemIdentity(record)) return undefined;
    const request = isObj(event.requestObject) ? event.requestObject : undefined;
    const response = isObj(event.responseObject) ? event.responseObject : undefined;
    const rulesReview = record.resource === 'selfsubjectrulesreviews';
    const resourceAttributes = field(request, 'spec', 'resourceAttributes');
    const nonResourceAttributes = field(request, 'spec', 'nonResourceAttributes');
    const namespace = str(field(request, 'spec', 'namespace')) ?? record.namespace;
    const allowed = field(response, 'status', 'allowed');
    return {
      summary: rulesReview
        ? `${record.user} listed its own permissions${namespace ? ` in namespace ${namespace}` : ''} with a SelfSubjectRulesReview.`
        : `${record.user} asked whether it may ${describeAttributes(resourceAttributes, nonResourceAttributes)} with a SelfSubjectAccessReview.`,
      evidence: {
        user: record.user,
        resource: record.resource,
        ...(rulesReview ? { namespace: namespace ?? null } : {}),
        ...(isObj(resourceAttributes) ? { resourceAttributes } : {}),
        ...(isObj(nonResourceAttributes) ? { nonResourceAttributes } : {}),
        ...(typeof allowed === 'boolean' ? { allowed } : {}),
        userAgent: record.userAgent,
      },
    };
  },
};

/** `get secrets in kube-system`, `get /healthz`, or a placeholder when the request was not recorded. */
function describeAttributes(resourceAttributes: unknown, nonResourceAttributes: unknown): string {
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

/**
 * Decision: the rule is about roleRef ClusterRole `cluster-admin` (or another of `adminRoles`, a site's own
 * admin-equivalent roles), bound by a ClusterRoleBinding (everywhere) or a RoleBinding (full control of one
 * namespace, its Secrets included). Subjects in group `system:masters` are not flagged: that group is
 * authorized before RBAC is consulted, so binding it to any role grants nothing (its use is
 * `system-masters-used`'s concern). A roleRef named `system:masters` names no built-in ClusterRole (it is a
 * group) and grants nothing by itself. roleRef is immutable, so on update/patch the finding is a change of
 * who holds the role. Only the control plane (the API server bootstrapping its own `cluster-admin` binding)
 * is exempt.
 */
export const clusterAdminBinding: Rule = {
  id: 'cluster-admin-binding',
  title: 'Binding to cluster-admin created or changed',
  severity: 'high',
  category: 'authorization',
  mitre: ['T1098.006', 'T1078'],
  evaluate({ record, event, settings }) {
    if (record.resource !== 'rolebindings' && record.resource !== 'clusterrolebindings') return undefined;
    if (record.subresource !== null || !isWrite(record) || !succeeded(record) || !inApiGroup(record, RBAC_GROUP)) return undefined;
    if (byControlPlane(record)) return undefined;
    const binding = writtenObject(event);
    const roleRef = field(binding, 'roleRef');
    const role = str(field(roleRef, 'name'));
    if (str(field(roleRef, 'kind')) !== 'ClusterRole' || role === undefined || !settings.adminRoles.includes(role)) return undefined;
    const subjects = arr(field(binding, 'subjects')).flatMap((s) => {
      if (!isObj(s)) return [];
      const kind = str(s.kind) ?? '?';
      const ns = str(s.namespace);
      return [`${kind}/${ns ? `${ns}/` : ''}${str(s.name) ?? '?'}`];
    });
    const what = describeObject(record, binding);
    return {
      summary: `${record.user} ${record.verb === 'create' ? 'created' : 'changed'} ${what}, which grants ClusterRole ${role}${subjects.length > 0 ? ` to ${subjects.join(', ')}` : ''}${record.resource === 'rolebindings' ? ` in namespace ${record.namespace ?? '?'}` : ''}.`,
      evidence: {
        user: record.user,
        verb: record.verb,
        binding: what,
        roleRef: { kind: 'ClusterRole', name: role },
        subjects,
      },
    };
  },
};

export const rbacWildcard: Rule = {
  id: 'rbac-wildcard',
  title: 'Role with wildcard permissions',
  severity: 'medium',
  category: 'authorization',
  mitre: ['T1098.006'],
  evaluate({ record, event }) {
    const role = writtenRole(record, event);
    if (!role || byControlPlane(record)) return undefined;
    const wildcards: { rule: number; fields: string[] }[] = [];
    for (const { index, rule } of role.rules) {
      const fields: string[] = [];
      if (rule.verbs.includes('*')) fields.push('verbs');
      // `*/status` is a wildcard over resources too (any resource's status).
      if (rule.resources.some((r) => r === '*' || r.startsWith('*/'))) fields.push('resources');
      if (rule.apiGroups.includes('*')) fields.push('apiGroups');
      if (fields.length > 0) wildcards.push({ rule: index, fields });
    }
    if (wildcards.length === 0) return undefined;
    const what = describeObject(record, role.object);
    const fields = [...new Set(wildcards.flatMap((w) => w.fields))];
    return {
      summary: `${record.user} ${record.verb === 'create' ? 'created' : 'changed'} ${what} with \`*\` in its ${fields.join(', ')}.`,
      evidence: { user: record.user, verb: record.verb, role: what, wildcards },
    };
  },
};

// escalate/bind on roles lift RBAC's escalation check; impersonate on identities becomes anyone.
const escalationGrants: readonly { group: string; resources: readonly string[]; verbs: readonly string[] }[] = [
  { group: RBAC_GROUP, resources: ['roles', 'clusterroles'], verbs: ['escalate', 'bind'] },
  { group: '', resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
  { group: 'authentication.k8s.io', resources: ['uids'], verbs: ['impersonate'] },
];

/** Impersonating user extras is checked as `userextras/<key>`: any such entry (or `*`) grants some. */
function impersonatesExtras(rule: PolicyRule): boolean {
  return (
    verbMatches(rule, 'impersonate') &&
    apiGroupMatches(rule, 'authentication.k8s.io') &&
    rule.resources.some((r) => r === '*' || r.startsWith('userextras/'))
  );
}

export const rbacEscalationVerbs: Rule = {
  id: 'rbac-escalation-verbs',
  title: 'Role granting escalate, bind or impersonate',
  severity: 'high',
  category: 'authorization',
  mitre: ['T1098.006', 'T1078'],
  evaluate({ record, event }) {
    const role = writtenRole(record, event);
    if (!role || byControlPlane(record)) return undefined;
    const grants: { rule: number; resource: string; verbs: string[] }[] = [];
    for (const { index, rule } of role.rules) {
      if (rule.resources.length === 0) continue;
      for (const g of escalationGrants) {
        for (const resource of g.resources) {
          const verbs = grantedVerbs(rule, g.group, resource, g.verbs);
          if (verbs.length > 0) grants.push({ rule: index, resource: g.group ? `${resource}.${g.group}` : resource, verbs });
        }
      }
      if (impersonatesExtras(rule)) grants.push({ rule: index, resource: 'userextras.authentication.k8s.io', verbs: ['impersonate'] });
      // `*` verbs on bindings: create, change and delete any binding (to every role the holder may bind).
      if (rule.verbs.includes('*')) {
        for (const resource of ['rolebindings', 'clusterrolebindings']) {
          if (grantedVerbs(rule, RBAC_GROUP, resource, ['*']).length > 0) grants.push({ rule: index, resource: `${resource}.${RBAC_GROUP}`, verbs: ['*'] });
        }
      }
    }
    if (grants.length === 0) return undefined;
    const what = describeObject(record, role.object);
    const verbs = [...new Set(grants.flatMap((g) => g.verbs))];
    return {
      summary: `${record.user} ${record.verb === 'create' ? 'created' : 'changed'} ${what}, which grants ${verbs.join('/')} on ${[...new Set(grants.map((g) => g.resource))].join(', ')}.`,
      evidence: { user: record.user, verb: record.verb, role: what, grants },
    };
  },
};

// Each: what it gives (exec into containers, the kubelet API, new tokens, Secret contents) and the verbs that
// give it. exec/attach are `create` over SPDY and `get` over websockets (kubectl >= 1.30); the kubelet maps
// GET/POST/PUT/PATCH/DELETE on nodes/proxy to get/create/update/patch/delete, and GET alone reaches its exec.
const sensitiveGrants: readonly { resource: string; verbs: readonly string[] }[] = [
  { resource: 'pods/exec', verbs: ['create', 'get'] },
  { resource: 'pods/attach', verbs: ['create', 'get'] },
  { resource: 'nodes/proxy', verbs: ['get', 'create', 'update', 'patch', 'delete'] },
  { resource: 'serviceaccounts/token', verbs: ['create'] },
  { resource: 'secrets', verbs: ['get', 'list', 'watch'] },
];

export const rbacSensitiveGrant: Rule = {
  id: 'rbac-sensitive-grant',
  title: 'Role granting exec, kubelet proxy, token minting or Secret reads',
  severity: 'medium',
  category: 'authorization',
  mitre: ['T1098.006', 'T1609', 'T1552.007'],
  evaluate({ record, event }) {
    const role = writtenRole(record, event);
    if (!role || byControlPlane(record)) return undefined;
    const grants: { rule: number; resource: string; verbs: string[] }[] = [];
    for (const { index, rule } of role.rules) {
      for (const s of sensitiveGrants) {
        const verbs = grantedVerbs(rule, '', s.resource, s.verbs);
        if (verbs.length > 0) grants.push({ rule: index, resource: s.resource, verbs });
      }
    }
    if (grants.length === 0) return undefined;
    const what = describeObject(record, role.object);
    return {
      summary: `${record.user} ${record.verb === 'create' ? 'created' : 'changed'} ${what}, which grants ${grants.map((g) => `${g.verbs.join('/')} ${g.resource}`).join(', ')}.`,
      evidence: { user: record.user, verb: record.verb, role: what, grants },
    };
  },
};

const systemRoleChanges = new Set(['update', 'patch', 'delete']);

export const systemRoleModified: Rule = {
  id: 'system-role-modified',
  title: 'System ClusterRole or ClusterRoleBinding modified',
  severity: 'high',
  category: 'authorization',
  mitre: ['T1098.006', 'T1098'],
  evaluate({ record }) {
    if (record.resource !== 'clusterroles' && record.resource !== 'clusterrolebindings') return undefined;
    if (!record.name?.startsWith('system:') || !systemRoleChanges.has(record.derivedVerb)) return undefined;
    if (record.subresource !== null || !succeeded(record) || !inApiGroup(record, RBAC_GROUP) || isSystemIdentity(record)) return undefined;
    const what = describeObject(record, undefined);
    return {
      summary: `${record.user} ${record.derivedVerb === 'delete' ? 'deleted' : 'modified'} the system ${what}.`,
      evidence: { user: record.user, verb: record.derivedVerb, object: what },
    };
  },
};

/** `fieldSelector=metadata.name=<n>`: a list/watch of one object (kubelets and informers watch single Secrets so). */
function singleObjectSelector(requestUri: string): boolean {
  const q = requestUri.indexOf('?');
  if (q < 0) return false;
  const selector = new URLSearchParams(requestUri.slice(q + 1)).get('fieldSelector');
  if (selector === null) return false;
  return selector.split(',').some((term) => /^metadata\.name==?[^=]/.test(term.trim()));
}

export const secretsEnumeration: Rule = {
  id: 'secrets-enumeration',
  title: 'Secrets listed cluster-wide or in kube-system',
  severity: 'high',
  category: 'authorization',
  mitre: ['T1552.007', 'T1613'],
  evaluate({ record }) {
    if (record.resource !== 'secrets' || record.subresource !== null) return undefined;
    if (record.derivedVerb !== 'list' && record.derivedVerb !== 'watch') return undefined;
    if (record.namespace !== null && record.namespace !== 'kube-system') return undefined;
    if (!succeeded(record) || record.identityKind === 'controlplane' || !inApiGroup(record, '')) return undefined;
    if (singleObjectSelector(record.requestUri)) return undefined;
    const where = record.namespace === null ? 'in all namespaces' : 'in kube-system';
    return {
      summary: `${record.user} ${record.derivedVerb === 'watch' ? 'watched' : 'listed'} Secrets ${where}.`,
      evidence: {
        user: record.user,
        verb: record.derivedVerb,
        namespace: record.namespace,
        requestUri: record.requestUri,
        identityKind: record.identityKind,
        userAgent: record.userAgent,
      },
    };
  },
};

const admissionResources = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);
const admissionChanges = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const pastTense: Readonly<Record<string, string>> = {
  create: 'created',
  update: 'updated',
  patch: 'patched',
  delete: 'deleted',
  deletecollection: 'deleted',
};

export const admissionControlModified: Rule = {
  id: 'admission-control-modified',
  title: 'Admission webhook or policy created, changed or deleted',
  severity: 'high',
  category: 'authorization',
  mitre: ['T1562.001', 'T1610'],
  evaluate({ record }) {
    if (record.resource === null || !admissionResources.has(record.resource)) return undefined;
    // Status writes (the policy status controller) change nothing the admission chain does.
    if (record.subresource !== null || !admissionChanges.has(record.derivedVerb)) return undefined;
    if (!succeeded(record) || !inApiGroup(record, ADMISSION_GROUP) || isSystemIdentity(record)) return undefined;
    const target = record.name === null ? `all ${record.resource}` : `${record.resource}/${record.name}`;
    return {
      summary: `${record.user} ${pastTense[record.derivedVerb] ?? record.derivedVerb} ${target}.`,
      evidence: { user: record.user, verb: record.derivedVerb, resource: record.resource, name: record.name },
    };
  },
};

export const rbacRules: Rule[] = [
  permissionEnumeration,
  clusterAdminBinding,
  rbacWildcard,
  rbacEscalationVerbs,
  rbacSensitiveGrant,
  systemRoleModified,
  secretsEnumeration,
  admissionControlModified,
];
