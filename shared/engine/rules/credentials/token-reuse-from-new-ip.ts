import { credentialsRule, credentialKey } from './helpers.js';

export const tokenReuseFromNewIp = credentialsRule({ id: 'token-reuse-from-new-ip', title: 'Bound credential used from a new address', severity: 'high', mitre: ['T1550.001', 'T1528'] }, ({ record, state }) => {
  const bound = record.pod !== null || record.identityKind === 'node';
  const cred = credentialKey(record);
  if (!bound || cred === undefined || record.clientIp === null) return undefined;
  const key = `token-reuse-from-new-ip|${record.cluster}|${cred}`;
  const s = state.get<{ first: string; seen: string[] }>(key);
  if (!s) {
    state.set(key, { first: record.clientIp, seen: [record.clientIp] });
    return undefined;
  }
  if (s.seen.includes(record.clientIp)) return undefined;
  state.set(key, { first: s.first, seen: [...s.seen, record.clientIp].slice(-16) });
  return {
    summary: `A credential bound to ${record.pod ? `pod ${record.pod.name}` : `node ${record.nodeName ?? ''}`} was used from ${record.clientIp}, not from ${s.first} where it was first seen.`,
    evidence: { credential: cred, firstIp: s.first, newIp: record.clientIp, pod: record.pod, nodeName: record.nodeName, user: record.user },
  };
});
