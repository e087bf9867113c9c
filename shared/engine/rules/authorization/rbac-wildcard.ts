import { authorizationRule, describeObject, writtenRole, byControlPlane } from './helpers.js';

export const rbacWildcard = authorizationRule({ id: 'rbac-wildcard', title: 'Role with wildcard permissions', severity: 'medium', mitre: ['T1098.006'] }, ({ record, event }) => {
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
});
