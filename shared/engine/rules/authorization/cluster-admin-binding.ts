import { RBAC_GROUP } from '../../rbac/index.js';
import { arr, inApiGroup, field, isObj, isWrite, str, succeeded, writtenObject } from '../objects.js';
import { authorizationRule, describeObject, byControlPlane } from './helpers.js';

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
export const clusterAdminBinding = authorizationRule({ id: 'cluster-admin-binding', title: 'Binding to cluster-admin created or changed', severity: 'high', mitre: ['T1098.006', 'T1078'] }, ({ record, event, settings }) => {
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
});
