import { trimAnnotations } from '#shared/contracts';
import { auditRule } from './helpers.js';

export const oversizedEvent = auditRule({ id: 'oversized-event', title: 'Audit event too large to keep whole', severity: 'medium', mitre: ['T1562'] }, ({ record, event }) => {
  const trimmed = event.annotations?.[trimAnnotations.trimmed];
  if (trimmed === undefined) return undefined;
  const bytes = Number(event.annotations?.[trimAnnotations.eventBytes] ?? 0);
  return {
    summary: `${record.user}'s ${record.verb} ${record.requestUri.slice(0, 128)} produced an audit event of ${String(bytes)} bytes, over the limit: it was analysed without ${trimmed.split(',').join(', ')} (the whole event is in the DLQ).`,
    evidence: { user: record.user, verb: record.verb, requestUri: record.requestUri.slice(0, 512), eventBytes: bytes, trimmed: trimmed.split(',') },
  };
});
