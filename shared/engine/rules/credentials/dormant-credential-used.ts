import { day } from '../state-helpers.js';
import { credentialsRule, seen } from './helpers.js';

// credential-not-rotated and dormant-credential-used share the first/last-seen record of a credential;
// the dormant rule runs first in the catalogue so it still sees the previous last-seen time.
export const dormantCredentialUsed = credentialsRule({ id: 'dormant-credential-used', title: 'Dormant credential used again', severity: 'low', mitre: ['T1078'] }, ({ record, state, settings }) => {
  const s = seen(state, record);
  if (!s) return undefined;
  const { key, before, now } = s;
  state.set(key, before ? { ...before, last: Math.max(before.last, now) } : { first: now, last: now, agedReported: false });
  if (!before || now - before.last <= settings.dormantDays * day) return undefined;
  const idleDays = Math.floor((now - before.last) / day);
  return {
    summary: `Credential ${record.credentialId ?? ''} of ${record.user} was used again after ${String(idleDays)} days unused.`,
    evidence: { credentialId: record.credentialId, user: record.user, lastUsed: new Date(before.last).toISOString(), idleDays },
  };
});
