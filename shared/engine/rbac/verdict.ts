import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import type { RbacRegistry } from './registry.js';
import type { RbacRequest, RbacVerdict } from './types.js';

/**
 * The attributes the RBAC authorizer saw. With impersonation the API server authorizes the request as
 * the impersonated user (after checking the impersonation itself), with the impersonated groups plus
 * system:authenticated.
 */
export function rbacRequestOf(r: NormalizedRecord): RbacRequest {
  const impersonated = r.impersonatedUser !== null;
  const groups = impersonated
    ? r.impersonatedGroups.includes('system:authenticated')
      ? r.impersonatedGroups
      : [...r.impersonatedGroups, 'system:authenticated']
    : r.groups;
  return {
    user: r.impersonatedUser ?? r.user,
    groups,
    verb: r.derivedVerb,
    isResourceRequest: r.isResourceRequest,
    apiGroup: r.apiGroup ?? '',
    resource: r.resource ?? '',
    subresource: r.subresource ?? '',
    name: r.name ?? '',
    namespace: r.namespace ?? '',
    path: r.path,
  };
}

function describe(v: RbacVerdict): Pick<NormalizedRecord, 'rbacVerdict' | 'rbacVerdictBinding' | 'rbacVerdictNote'> {
  if (v.verdict === 'allow') {
    const b = v.binding;
    const binding = b.namespace ? `${b.kind}/${b.namespace}/${b.name}` : `${b.kind}/${b.name}`;
    return { rbacVerdict: 'allow', rbacVerdictBinding: binding, rbacVerdictNote: null };
  }
  if (v.verdict === 'deny') return { rbacVerdict: 'deny', rbacVerdictBinding: null, rbacVerdictNote: null };
  return { rbacVerdict: null, rbacVerdictBinding: null, rbacVerdictNote: v.reason };
}

/**
 * Evaluates the request against the cluster's RBAC model as it stood before the request, then lets the
 * model learn from the event (an RBAC object created, changed or deleted).
 */
export function applyRbac(registry: RbacRegistry, record: NormalizedRecord, event: AuditEvent): NormalizedRecord {
  const verdict = describe(registry.forCluster(record.cluster).evaluate(rbacRequestOf(record)));
  registry.learn(record.cluster, event, Date.parse(record.eventTime));
  return Object.assign(record, verdict);
}
