import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import type { RuleState } from '../../state/index.js';
import { arr, field, inApiGroup, isObj, isSystemIdentity, isWholeObject, str, succeeded, writtenObject } from '../objects.js';
import { authorizationRule, ADMISSION_GROUP, admissionResources, admissionChanges, pastTense } from './helpers.js';

const webhookResources = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);

/**
 * The webhooks a write turned fail-open (`failurePolicy: Ignore`: when the webhook is down or slow, requests
 * pass unchecked), judged against each webhook's last known policy kept in the rule state (learned from every
 * write the log shows, the control plane's included). A whole object without the field is `Fail`, v1's
 * default; a patch that sets `Ignore` on a webhook not seen before counts as turning it.
 */
function turnedFailOpen(record: NormalizedRecord, event: AuditEvent, state: RuleState): string[] {
  if (record.resource === null || !webhookResources.has(record.resource) || record.name === null) return [];
  const key = `admission-control-modified|${record.cluster}|${record.resource}|${record.name}`;
  if (record.derivedVerb === 'delete') {
    state.delete(key);
    return [];
  }
  const object = writtenObject(event);
  if (!object) return [];
  const whole = isWholeObject(record, event, object);
  const known = state.get<Record<string, string>>(key) ?? {};
  const now: Record<string, string> = { ...known };
  const turned: string[] = [];
  for (const w of arr(field(object, 'webhooks'))) {
    const name = isObj(w) ? str(w.name) : undefined;
    if (name === undefined || !isObj(w)) continue;
    const policy = str(w.failurePolicy) ?? (whole ? 'Fail' : undefined);
    if (policy === undefined) continue;
    if (policy === 'Ignore' && (known[name] === 'Fail' || (known[name] === undefined && !whole))) turned.push(name);
    now[name] = policy;
  }
  state.set(key, now);
  return record.derivedVerb === 'create' ? [] : turned;
}

/**
 * An admission webhook or policy created, changed or deleted: high for a deletion and a person's change;
 * medium for a creation (every chart with an operator installs one) and when a service account updates one
 * that exists (cert-manager's cainjector, Gatekeeper and ingress-nginx's patch job write the CA bundle so),
 * unless the update turns a webhook fail-open (`failurePolicy` from Fail to Ignore), which stays high.
 */
export const admissionControlModified = authorizationRule({ id: 'admission-control-modified', title: 'Admission webhook or policy created, changed or deleted', severity: 'high', mitre: ['T1562.001', 'T1610'], scope: 'cluster' }, ({ record, event, state }) => {
  if (record.resource === null || !admissionResources.has(record.resource)) return undefined;
  // Status writes (the policy status controller) change nothing the admission chain does.
  if (record.subresource !== null || !admissionChanges.has(record.derivedVerb)) return undefined;
  if (!succeeded(record) || !inApiGroup(record, ADMISSION_GROUP)) return undefined;
  const failOpen = turnedFailOpen(record, event, state);
  if (isSystemIdentity(record)) return undefined;
  const target = record.name === null ? `all ${record.resource}` : `${record.resource}/${record.name}`;
  const controllerUpdate = failOpen.length === 0 && record.identityKind === 'serviceaccount' && (record.derivedVerb === 'update' || record.derivedVerb === 'patch');
  // a new webhook or policy is what every chart with an operator installs (Elastic and Sigma rate it medium);
  // removing one, or turning one fail-open, disables a control that was in force
  const created = record.derivedVerb === 'create';
  return {
    ...(controllerUpdate || created ? { lower: 'medium' as const } : {}),
    ...(failOpen.length > 0 ? { raise: 'high' as const } : {}),
    summary: `${record.user} ${pastTense[record.derivedVerb] ?? record.derivedVerb} ${target}${failOpen.length > 0 ? `, turning ${failOpen.join(', ')} fail-open (failurePolicy Ignore)` : ''}.`,
    evidence: { user: record.user, verb: record.derivedVerb, resource: record.resource, name: record.name, ...(failOpen.length > 0 ? { failOpen } : {}) },
  };
});
