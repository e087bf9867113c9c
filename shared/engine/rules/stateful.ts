import type { NormalizedRecord } from '#shared/contracts';
import type { RuleState } from '../state/index.js';
import { isAnonymous } from './authn.js';
import { rejected } from './objects.js';
import { day, minute, t, windowCount } from './state-helpers.js';
import type { Rule } from './types.js';

// Stateful rules: windows, first-seen and last-seen (state-helpers.ts), all in EVENT time.

export const anonymousScan: Rule = {
  id: 'anonymous-scan',
  title: 'Anonymous scanning',
  severity: 'medium',
  category: 'authentication',
  mitre: ['T1046', 'T1595'],
  evaluate({ record, state, settings }) {
    // kube-apiserver audits a failed authentication with an empty user and 401: unauthenticated too
    const unauthenticated = isAnonymous(record) || (record.user === '' && record.responseCode === 401);
    if (!unauthenticated || !rejected(record) || record.clientIp === null) return undefined;
    const n = windowCount(state, `anonymous-scan|${record.cluster}|${record.clientIp}`, record, 5 * minute, settings.anonymousScanThreshold);
    if (n === undefined) return undefined;
    return {
      summary: `${String(n)} unauthenticated requests from ${record.clientIp} were rejected within 5 minutes.`,
      evidence: { clientIp: record.clientIp, rejected: n, windowMinutes: 5, lastRequestUri: record.requestUri },
    };
  },
};

export const forbiddenBurst: Rule = {
  id: 'forbidden-burst',
  title: 'Burst of forbidden requests',
  severity: 'medium',
  category: 'authorization',
  mitre: ['T1069', 'T1613'],
  evaluate({ record, state, settings }) {
    if (isAnonymous(record) || !(record.responseCode === 403 || record.decision === 'forbid')) return undefined;
    const who = record.impersonatedUser ?? record.user;
    const n = windowCount(state, `forbidden-burst|${record.cluster}|${who}`, record, 5 * minute, settings.forbiddenBurstThreshold);
    if (n === undefined) return undefined;
    return {
      summary: `${who} was denied ${String(n)} requests within 5 minutes (permission probing).`,
      evidence: { user: who, forbidden: n, windowMinutes: 5, lastVerb: record.derivedVerb, lastResource: record.resource },
    };
  },
};

export const secretReadBurst: Rule = {
  id: 'secret-read-burst',
  title: 'Many secrets read',
  severity: 'medium',
  category: 'credentials',
  mitre: ['T1552.007'],
  evaluate({ record, state, settings }) {
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
  },
};

/** The credential a request used: its credential id, else a node's identity (kubelet client certificate). */
function credentialKey(r: NormalizedRecord): string | undefined {
  if (r.credentialId) return r.credentialId;
  if (r.identityKind === 'node' && r.nodeName) return `node:${r.nodeName}`;
  return undefined;
}

export const tokenReuseFromNewIp: Rule = {
  id: 'token-reuse-from-new-ip',
  title: 'Bound credential used from a new address',
  severity: 'high',
  category: 'credentials',
  mitre: ['T1550.001', 'T1528'],
  evaluate({ record, state }) {
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
  },
};

interface CredentialSeen {
  first: number;
  last: number;
  agedReported: boolean;
}

/** The credential's first/last-seen record before this request, and where to write the new one. */
function seen(state: RuleState, r: NormalizedRecord): { key: string; before: CredentialSeen | undefined; now: number } | undefined {
  if (!r.credentialId) return undefined;
  const key = `credential|${r.cluster}|${r.credentialId}`;
  return { key, before: state.get<CredentialSeen>(key), now: t(r) };
}

// credential-not-rotated and dormant-credential-used share the first/last-seen record of a credential;
// the dormant rule runs first in the catalogue so it still sees the previous last-seen time.
export const dormantCredentialUsed: Rule = {
  id: 'dormant-credential-used',
  title: 'Dormant credential used again',
  severity: 'low',
  category: 'credentials',
  mitre: ['T1078'],
  evaluate({ record, state, settings }) {
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
  },
};

export const credentialNotRotated: Rule = {
  id: 'credential-not-rotated',
  title: 'Credential not rotated',
  severity: 'medium',
  category: 'credentials',
  mitre: ['T1078'],
  evaluate({ record, state, settings }) {
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
  },
};

export const csrSelfApproved: Rule = {
  id: 'csr-self-approved',
  title: 'CSR approved by its requester',
  severity: 'critical',
  category: 'csr',
  mitre: ['T1649'],
  evaluate({ record, state }) {
    if (record.resource !== 'certificatesigningrequests' || record.name === null) return undefined;
    if (record.responseCode !== null && record.responseCode >= 400) return undefined;
    const key = `csr-self-approved|${record.cluster}|${record.name}`;
    if (record.derivedVerb === 'create' && record.subresource === null) {
      state.set(key, record.user);
      return undefined;
    }
    if (record.subresource !== 'approval' || !(record.derivedVerb === 'update' || record.derivedVerb === 'patch')) return undefined;
    const creator = state.get<string>(key);
    if (creator === undefined || creator !== record.user) return undefined;
    return {
      summary: `${record.user} approved certificate signing request ${record.name}, which it created itself.`,
      evidence: { csr: record.name, requester: creator, approver: record.user },
    };
  },
};

export const auditSilence: Rule = {
  id: 'audit-silence',
  title: 'Audit events stopped',
  severity: 'high',
  category: 'audit',
  mitre: ['T1562.008'],
  evaluate({ record, state, settings }) {
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
  },
};

export const plaintextIngest: Rule = {
  id: 'plaintext-ingest',
  title: 'Audit events received over plain HTTP',
  severity: 'medium',
  category: 'network',
  mitre: ['T1040'],
  evaluate({ record, state }) {
    if (record.transportTls) return undefined;
    // once per cluster and hour (of receipt): the channel is the finding, not each event
    const hour = Math.floor(Date.parse(record.receivedAt) / (60 * minute));
    const key = `plaintext-ingest|${record.cluster}`;
    if (state.get<number>(key) === hour) return undefined;
    state.set(key, hour);
    return {
      summary: `kaudit received audit events of cluster ${record.cluster} over plain HTTP: the audit stream is not encrypted.`,
      evidence: { cluster: record.cluster, hour: new Date(hour * 60 * minute).toISOString() },
    };
  },
};

export const statefulRules: Rule[] = [
  anonymousScan,
  forbiddenBurst,
  secretReadBurst,
  tokenReuseFromNewIp,
  dormantCredentialUsed,
  credentialNotRotated,
  csrSelfApproved,
  auditSilence,
  plaintextIngest,
];
