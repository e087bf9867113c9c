import { auditRule, requestFingerprint } from './helpers.js';

export const auditIdReused = auditRule({ id: 'audit-id-reused', title: 'Audit ID reused by another request', severity: 'high', mitre: ['T1070', 'T1562'] }, ({ record, event, memory }) => {
  // events without an auditID get one of their own (their digest); nothing to reuse
  if (event.auditID === undefined || event.auditID === null || event.auditID === '') return undefined;
  const key = `aid:${record.cluster}/${record.auditId}`;
  const fingerprint = requestFingerprint(event);
  const first = memory.get<{ f: string; verb: string; uri: string; user: string }>(key);
  if (first === undefined) {
    memory.set(key, { f: fingerprint, verb: record.verb, uri: record.requestUri.slice(0, 512), user: record.user });
    return undefined;
  }
  if (first.f === fingerprint) return undefined;
  return {
    summary: `Audit ID ${record.auditId.slice(0, 64)} of ${first.user}'s ${first.verb} ${first.uri.slice(0, 128)} was used again by ${record.user}'s ${record.verb} ${record.requestUri.slice(0, 128)}: a client chose it (Audit-ID header), so one of the two may be hiding behind the other.`,
    evidence: { auditIdPrefix: record.auditId.slice(0, 64), first: { user: first.user, verb: first.verb, requestUri: first.uri }, again: { user: record.user, verb: record.verb, requestUri: record.requestUri.slice(0, 512), sourceIps: record.sourceIps } },
  };
});
