import { succeeded } from '../objects.js';
import { auditRule, deletes, isEventsResource } from './helpers.js';

export const auditEventsDeleted = auditRule({ id: 'audit-events-deleted', title: 'Kubernetes Events deleted', severity: 'medium', mitre: ['T1070'] }, ({ record }) => {
  if (!isEventsResource(record) || !deletes.has(record.derivedVerb)) return undefined;
  if (!succeeded(record) || record.identityKind === 'controlplane') return undefined;
  const collection = record.derivedVerb === 'deletecollection';
  const where = record.namespace ? ` in namespace ${record.namespace}` : ' in all namespaces';
  return {
    summary: collection
      ? `${record.user} deleted a collection of Events${where}.`
      : `${record.user} deleted Event ${record.name ?? '?'}${where}.`,
    evidence: {
      user: record.user,
      verb: record.derivedVerb,
      apiGroup: record.apiGroup,
      namespace: record.namespace,
      name: record.name,
      requestUri: record.requestUri,
    },
  };
});
