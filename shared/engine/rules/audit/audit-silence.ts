import { minute, t } from '../state-helpers.js';
import { auditRule } from './helpers.js';

export const auditSilence = auditRule({ id: 'audit-silence', title: 'Audit events stopped', severity: 'high', mitre: ['T1562.008'] }, ({ record, state, settings }) => {
  // A time kaudit had to infer (no usable timestamp in the event) neither opens nor closes a gap.
  if (record.eventTimeInferred) return undefined;
  const key = `audit-silence|${record.cluster}`;
  const now = t(record);
  const last = state.get<number>(key);
  if (last === undefined || now > last) state.set(key, now);
  if (last === undefined || now - last <= settings.silenceMinutes * minute) return undefined;
  const gapMinutes = Math.floor((now - last) / minute);
  return {
    summary: `Cluster ${record.cluster} sent no audit events for ${String(gapMinutes)} minutes before this one.`,
    evidence: { cluster: record.cluster, silentSince: new Date(last).toISOString(), resumedAt: record.eventTime, gapMinutes },
  };
});
