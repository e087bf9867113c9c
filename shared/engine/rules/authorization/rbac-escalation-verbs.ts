import { RBAC_GROUP } from '../../rbac/index.js';
import { authorizationRule, describeObject, writtenRole, grantedVerbs, byControlPlane, escalationGrants, impersonatesExtras } from './helpers.js';

export const rbacEscalationVerbs = authorizationRule({ id: 'rbac-escalation-verbs', title: 'Role granting escalate, bind or impersonate', severity: 'high', mitre: ['T1098.006', 'T1078'] }, ({ record, event }) => {
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
});
