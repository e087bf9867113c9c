import { day } from '../state-helpers.js';
import { credentialsRule, seen } from './helpers.js';

export const credentialNotRotated = credentialsRule({ id: 'credential-not-rotated', title: 'Credential not rotated', severity: 'medium', mitre: ['T1078'] }, ({ record, state, settings }) => {
  const s = seen(state, record);
  if (!s?.before) return undefined;
  const { key, before, now } = s;
  if (before.agedReported || now - before.first <= settings.maxCredentialAgeDays * day) return undefined;
  state.set(key, { ...before, last: Math.max(before.last, now), agedReported: true });
  const ageDays = Math.floor((now - before.first) / day);
  return {
    summary: `Credential ${record.credentialId ?? ''} of ${record.user} is still in use ${String(ageDays)} days after it was first seen.`,
    evidence: { credentialId: record.credentialId, user: record.user, firstSeen: new Date(before.first).toISOString(), ageDays, maxAgeDays: settings.maxCredentialAgeDays },
  };
});
