import { isAnonymous } from '../authentication/helpers.js';
import { minute, windowCount } from '../state-helpers.js';
import { authorizationRule } from './helpers.js';

export const forbiddenBurst = authorizationRule({ id: 'forbidden-burst', title: 'Burst of forbidden requests', severity: 'medium', mitre: ['T1069', 'T1613'] }, ({ record, state, settings }) => {
  if (isAnonymous(record) || !(record.responseCode === 403 || record.decision === 'forbid')) return undefined;
  const who = record.impersonatedUser ?? record.user;
  const n = windowCount(state, `forbidden-burst|${record.cluster}|${who}`, record, 5 * minute, settings.forbiddenBurstThreshold);
  if (n === undefined) return undefined;
  return {
    summary: `${who} was denied ${String(n)} requests within 5 minutes (permission probing).`,
    evidence: { user: who, forbidden: n, windowMinutes: 5, lastVerb: record.derivedVerb, lastResource: record.resource },
  };
});
