import { minute, t } from '../state-helpers.js';
import { credentialsRule } from './helpers.js';

export const secretReadBurst = credentialsRule({ id: 'secret-read-burst', title: 'Many secrets read', severity: 'medium', mitre: ['T1552.007'] }, ({ record, state, settings }) => {
  if (record.resource !== 'secrets' || record.derivedVerb !== 'get' || record.name === null) return undefined;
  if (record.responseCode !== null && record.responseCode >= 400) return undefined;
  if (record.identityKind === 'controlplane' || record.identityKind === 'node') return undefined;
  const key = `secret-read-burst|${record.cluster}|${record.user}`;
  const now = t(record);
  const s = state.get<{ reads: [string, number][]; reportedAt: number | null }>(key) ?? { reads: [], reportedAt: null };
  const secret = `${record.namespace ?? ''}/${record.name}`;
  const reads = new Map(s.reads.filter(([, at]) => at > now - 30 * minute));
  reads.delete(secret);
  reads.set(secret, now);
  const bounded = [...reads].slice(-settings.secretReadBurstThreshold);
  const reported = s.reportedAt !== null && s.reportedAt > now - 30 * minute;
  const fire = !reported && bounded.length >= settings.secretReadBurstThreshold;
  state.set(key, { reads: bounded, reportedAt: fire ? now : s.reportedAt });
  if (!fire) return undefined;
  return {
    summary: `${record.user} read ${String(bounded.length)} different secrets within 30 minutes.`,
    evidence: { user: record.user, distinctSecrets: bounded.length, windowMinutes: 30, secrets: bounded.map(([name]) => name) },
  };
});
