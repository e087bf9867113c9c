import { field, str } from '../objects.js';
import { completedWrite, objectOf, patchRemoves, storedObject } from './pod-spec.js';
import { workloadRule, pastTense, actor, enforceLabel } from './helpers.js';

/**
 * Namespace enforce label set to privileged, or gone after an update/patch whose stored result was
 * recorded (responseObject; or the body of an update, which is the whole object), or explicitly deleted
 * by a patch. Absence on create is not flagged: the cluster-wide default (AdmissionConfiguration) applies.
 */
export const podSecurityWeakened = workloadRule({ id: 'pod-security-weakened', title: 'Pod Security enforcement weakened', severity: 'high', mitre: ['T1562.001', 'T1611'] }, ({ record, event }) => {
  if (record.resource !== 'namespaces' || record.subresource !== null || (record.apiGroup ?? '') !== '') return undefined;
  if (!completedWrite(record, event)) return undefined;
  const obj = objectOf(record, event);
  const namespace = record.name ?? str(field(obj, 'metadata', 'name')) ?? '';
  if (field(obj, 'metadata', 'labels', enforceLabel) === 'privileged') {
    return {
      summary: `${actor(record)} set ${enforceLabel}=privileged on namespace ${namespace}, turning off Pod Security enforcement there.`,
      evidence: { namespace, label: enforceLabel, value: 'privileged' },
    };
  }
  if (record.derivedVerb === 'create') return undefined;
  const stored = storedObject(record, event);
  const removed = stored ? field(stored, 'metadata', 'labels', enforceLabel) === undefined : patchRemoves(event.requestObject, ['metadata', 'labels', enforceLabel]);
  if (!removed) return undefined;
  return {
    summary: `${actor(record)} ${pastTense[record.derivedVerb] ?? record.derivedVerb} namespace ${namespace}, which is left without the ${enforceLabel} label.`,
    evidence: { namespace, label: enforceLabel, value: null },
  };
});
