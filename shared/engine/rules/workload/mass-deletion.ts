import { isSystemIdentity, succeeded } from '../objects.js';
import { minute, windowCount } from '../state-helpers.js';
import { workloadResourceOf } from './pod-spec.js';
import { actor, workloadRule } from './helpers.js';

const windowMs = 5 * minute;

/**
 * One identity deleting many workloads or namespaces (`massDeletion`, default 10, within 5 minutes), or
 * deleting a whole collection of them at once (`deletecollection`): destruction, or the cleanup of an
 * intruder’s tracks. The garbage collector, the namespace controller and other control-plane components
 * delete by design and are not counted.
 */
export const massDeletion = workloadRule({ id: 'mass-deletion', title: 'Many workloads deleted', severity: 'medium', mitre: ['T1485', 'T1489'] }, ({ record, state, settings }) => {
  if (record.derivedVerb !== 'delete' && record.derivedVerb !== 'deletecollection') return undefined;
  const workload = workloadResourceOf(record) !== undefined;
  const namespace = record.resource === 'namespaces' && (record.apiGroup ?? '') === '';
  if ((!workload && !namespace) || record.subresource !== null || !succeeded(record) || isSystemIdentity(record)) return undefined;
  const where = record.namespace === null ? 'the cluster' : `namespace ${record.namespace}`;
  if (record.derivedVerb === 'deletecollection') {
    return {
      summary: `${actor(record)} deleted every ${record.resource ?? ''} of ${where} at once.`,
      evidence: { user: record.user, verb: 'deletecollection', resource: record.resource, namespace: record.namespace },
    };
  }
  const count = windowCount(state, `mass-deletion|${record.cluster}|${record.user}`, record, windowMs, settings.massDeletionThreshold);
  if (count === undefined) return undefined;
  return {
    summary: `${actor(record)} deleted ${String(count)} workloads or namespaces within 5 minutes (the last ${record.resource ?? ''} ${record.namespace ? `${record.namespace}/` : ''}${record.name ?? ''}).`,
    evidence: { user: record.user, deletions: count, windowMinutes: 5, last: { resource: record.resource, namespace: record.namespace, name: record.name } },
  };
});
