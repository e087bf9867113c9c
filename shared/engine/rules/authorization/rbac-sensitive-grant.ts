import { authorizationRule, describeObject, writtenRole, grantedVerbs, byControlPlane, sensitiveGrants } from './helpers.js';

export const rbacSensitiveGrant = authorizationRule({ id: 'rbac-sensitive-grant', title: 'Role granting exec, kubelet proxy, token minting or Secret reads', severity: 'medium', mitre: ['T1098.006', 'T1609', 'T1552.007'] }, ({ record, event }) => {
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
});
