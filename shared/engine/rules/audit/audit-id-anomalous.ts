import { trimAnnotations } from '#shared/contracts';
import { auditRule, maxAuditIdLength, plainAuditId } from './helpers.js';

export const auditIdAnomalous = auditRule({ id: 'audit-id-anomalous', title: 'Client-chosen audit ID out of shape', severity: 'medium', mitre: ['T1070', 'T1562'] }, ({ record, event }) => {
  const trimmedBytes = event.annotations?.[trimAnnotations.auditIdBytes];
  const length = trimmedBytes === undefined ? record.auditId.length : Number(trimmedBytes);
  const unusual = !plainAuditId.test(record.auditId);
  if (trimmedBytes === undefined && length <= maxAuditIdLength && !unusual) return undefined;
  return {
    summary: `${record.user} sent a request whose audit ID (set from its Audit-ID header) is ${length > maxAuditIdLength ? `${String(length)} characters long` : 'made of unusual characters'}.`,
    evidence: { user: record.user, sourceIps: record.sourceIps, userAgent: record.userAgent, auditIdLength: length, unusualCharacters: unusual, auditIdPrefix: record.auditId.slice(0, 64) },
  };
});
