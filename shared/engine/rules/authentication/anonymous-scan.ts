import { authenticationRule, isAnonymous } from './helpers.js';
import { rejected } from '../objects.js';
import { minute, windowCount } from '../state-helpers.js';

// Stateful rules: windows, first-seen and last-seen (state-helpers.ts), all in EVENT time.

export const anonymousScan = authenticationRule({ id: 'anonymous-scan', title: 'Anonymous scanning', severity: 'medium', mitre: ['T1046', 'T1595'] }, ({ record, state, settings }) => {
  // kube-apiserver audits a failed authentication with an empty user and 401: unauthenticated too
  const unauthenticated = isAnonymous(record) || (record.user === '' && record.responseCode === 401);
  if (!unauthenticated || !rejected(record) || record.clientIp === null) return undefined;
  const n = windowCount(state, `anonymous-scan|${record.cluster}|${record.clientIp}`, record, 5 * minute, settings.anonymousScanThreshold);
  if (n === undefined) return undefined;
  return {
    summary: `${String(n)} unauthenticated requests from ${record.clientIp} were rejected within 5 minutes.`,
    evidence: { clientIp: record.clientIp, rejected: n, windowMinutes: 5, lastRequestUri: record.requestUri },
  };
});
