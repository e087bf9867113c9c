import { RBAC_GROUP } from '../../rbac/index.js';
import { inApiGroup, isSystemIdentity, succeeded } from '../objects.js';
import { authorizationRule, describeObject, systemRoleChanges } from './helpers.js';

export const systemRoleModified = authorizationRule({ id: 'system-role-modified', title: 'System ClusterRole or ClusterRoleBinding modified', severity: 'high', mitre: ['T1098.006', 'T1098'] }, ({ record }) => {
  if (record.resource !== 'clusterroles' && record.resource !== 'clusterrolebindings') return undefined;
  if (!record.name?.startsWith('system:') || !systemRoleChanges.has(record.derivedVerb)) return undefined;
  if (record.subresource !== null || !succeeded(record) || !inApiGroup(record, RBAC_GROUP) || isSystemIdentity(record)) return undefined;
  const what = describeObject(record, undefined);
  return {
    summary: `${record.user} ${record.derivedVerb === 'delete' ? 'deleted' : 'modified'} the system ${what}.`,
    evidence: { user: record.user, verb: record.derivedVerb, object: what },
  };
});
