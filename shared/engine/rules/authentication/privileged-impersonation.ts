import { authenticationRule, mastersGroup, privilegedTarget } from './helpers.js';

export const privilegedImpersonation = authenticationRule({ id: 'privileged-impersonation', title: 'Privileged or unexpected impersonation', severity: 'high', mitre: ['T1548', 'T1078'] }, ({ record }) => {
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
});
