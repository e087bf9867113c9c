import { field, isSystemIdentity, succeeded } from '../objects.js';
import { isDryRun, isEmptyValue, patchRemoves, storedObject } from './pod-spec.js';
import { workloadRule, pastTense, actor, quotaResources } from './helpers.js';

/**
 * A ResourceQuota or LimitRange deleted, or updated/patched to hold nothing (empty `spec.hard` /
 * `spec.limits`). Control-plane identities are exempt: the namespace controller deletes every
 * collection of a namespace being deleted, the garbage collector removes owned objects.
 */
export const quotaOrLimitsRemoved = workloadRule({ id: 'quota-or-limits-removed', title: 'Resource quota or limit range removed', severity: 'medium', mitre: ['T1496', 'T1562.001'] }, ({ record, event }) => {
  const q = record.resource === null ? undefined : quotaResources.get(record.resource);
  if (!q || record.subresource !== null || (record.apiGroup ?? '') !== '') return undefined;
  const verb = record.derivedVerb;
  const deleted = verb === 'delete' || verb === 'deletecollection';
  if (!deleted && verb !== 'update' && verb !== 'patch') return undefined;
  if (event.stage === 'RequestReceived' || !succeeded(record) || isDryRun(record) || isSystemIdentity(record)) return undefined;
  const where = `${record.namespace ?? ''}/${record.name ?? '*'}`;
  if (deleted) {
    return {
      summary: `${actor(record)} deleted ${q.kind} ${where}.`,
      evidence: { kind: q.kind, namespace: record.namespace, name: record.name, change: verb },
    };
  }
  const stored = storedObject(record, event);
  const emptied = stored ? isEmptyValue(field(stored, 'spec', q.field)) : patchRemoves(event.requestObject, ['spec', q.field]);
  if (!emptied) return undefined;
  return {
    summary: `${actor(record)} ${pastTense[verb] ?? verb} ${q.kind} ${where}, leaving spec.${q.field} empty.`,
    evidence: { kind: q.kind, namespace: record.namespace, name: record.name, change: `spec.${q.field} emptied` },
  };
});
