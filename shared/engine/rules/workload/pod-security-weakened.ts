import { field, str } from '../objects.js';
import { completedWrite, objectOf, patchRemoves, storedObject } from './pod-spec.js';
import { workloadRule, pastTense, actor, enforceLabel } from './helpers.js';

/**
 * Namespace enforce label set to privileged, or gone after an update/patch whose stored result was
 * recorded (responseObject; or the body of an update, which is the whole object), or explicitly deleted
 * by a patch. Absence on create is not flagged: the cluster-wide default (AdmissionConfiguration) applies.
 * Each namespace's last known enforce label is kept in the rule state: a write that leaves it as it was
 * (an operator or `kubectl apply` re-applying an unchanged namespace) weakens nothing and is not flagged.
 */
export const podSecurityWeakened = workloadRule({ id: 'pod-security-weakened', title: 'Pod Security enforcement weakened', severity: 'high', mitre: ['T1562.001', 'T1611'], scope: 'cluster' }, ({ record, event, state }) => {
  if (record.resource !== 'namespaces' || record.subresource !== null || (record.apiGroup ?? '') !== '') return undefined;
  if (!completedWrite(record, event)) return undefined;
  const obj = objectOf(record, event);
  const namespace = record.name ?? str(field(obj, 'metadata', 'name')) ?? '';
  const key = `pod-security-weakened|${record.cluster}|${namespace}`;
  const before = state.get<{ enforce: string | null }>(key);
  const stored = record.derivedVerb === 'create' ? undefined : storedObject(record, event);
  const set = str(field(obj, 'metadata', 'labels', enforceLabel));
  const removed = set === undefined && record.derivedVerb !== 'create' && (stored ? field(stored, 'metadata', 'labels', enforceLabel) === undefined : patchRemoves(event.requestObject, ['metadata', 'labels', enforceLabel]));
  // what the label is now, when the write tells (undefined: a patch of other fields)
  const after = set ?? (removed || (record.derivedVerb === 'create' && obj !== undefined) ? null : undefined);
  if (after !== undefined) state.set(key, { enforce: after });
  if (before !== undefined && after !== undefined && before.enforce === after) return undefined;
  if (set === 'privileged') {
    return {
      summary: `${actor(record)} set ${enforceLabel}=privileged on namespace ${namespace}, turning off Pod Security enforcement there.`,
      evidence: { namespace, label: enforceLabel, value: 'privileged', ...(before === undefined ? {} : { was: before.enforce }) },
    };
  }
  // without the label the cluster-wide default applies: a weakening unless the label said privileged
  if (!removed || before?.enforce === 'privileged') return undefined;
  return {
    summary: `${actor(record)} ${pastTense[record.derivedVerb] ?? record.derivedVerb} namespace ${namespace}, which is left without the ${enforceLabel} label.`,
    evidence: { namespace, label: enforceLabel, value: null, ...(before === undefined ? {} : { was: before.enforce }) },
  };
});
