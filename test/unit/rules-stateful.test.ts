// Stateful rules, in event time: windows, first/last seen, self-approval, silence, plaintext ingest.
// Events written from the Kubernetes audit and authentication docs.
import { describe, expect, it } from 'vitest';
import { createEngine, defaultRuleSettings, RuleState, type Engine } from '#shared/engine';
import { auditEventOf, envelopeOf } from '#shared/testing';

let seq = 0;
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + minutes * 60_000).toISOString();
function ev(minutes: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const { requestReceivedTimestamp: _, ...event } = auditEventOf({
    auditID: `s-${String(seq++)}`,
    stageTimestamp: at(minutes),
    annotations: { 'authorization.k8s.io/decision': 'allow' },
    ...over,
  });
  return event;
}
const fire = (engine: Engine, event: Record<string, unknown>, tls = true) => engine.analyze(envelopeOf(event, 'c', tls)).findings.map((f) => f.ruleId);
const settings = { ...defaultRuleSettings, anonymousScanThreshold: 3, forbiddenBurstThreshold: 3, secretReadBurstThreshold: 3, maxCredentialAgeDays: 10, dormantDays: 5, silenceMinutes: 15 };
const engine = () => createEngine({ settings });

describe('window rules', () => {
  const denied = (m: number, user = 'mallory') => ev(m, { user: { username: user, groups: ['system:authenticated'] }, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });
  const anon403 = (m: number, ip = '203.0.113.9') => ev(m, { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: [ip], responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });

  it('anonymous-scan: the Nth rejected anonymous request from one IP within 5 minutes, once per window', () => {
    const e = engine();
    expect(fire(e, anon403(0))).not.toContain('anonymous-scan');
    expect(fire(e, anon403(1))).not.toContain('anonymous-scan');
    expect(fire(e, anon403(2))).toContain('anonymous-scan');
    expect(fire(e, anon403(3))).not.toContain('anonymous-scan');
  });
  it('anonymous-scan: not across IPs, nor spread over more than 5 minutes', () => {
    const e = engine();
    fire(e, anon403(0, '198.51.100.1'));
    fire(e, anon403(1, '198.51.100.2'));
    expect(fire(e, anon403(2, '198.51.100.3'))).not.toContain('anonymous-scan');
    const f = engine();
    fire(f, anon403(0));
    fire(f, anon403(6));
    expect(fire(f, anon403(12))).not.toContain('anonymous-scan');
  });
  it('forbidden-burst: one identity denied N times within 5 minutes', () => {
    const e = engine();
    fire(e, denied(0));
    fire(e, denied(1, 'other'));
    expect(fire(e, denied(2))).not.toContain('forbidden-burst');
    expect(fire(e, denied(3))).toContain('forbidden-burst');
  });
  it('window rules count a redelivered event once (state written, offsets not yet committed, batch delivered again)', () => {
    const e = engine();
    const first = [denied(0), denied(1), anon403(0), anon403(1)];
    for (const x of first) fire(e, x);
    // the same two events of each again, then a third distinct one
    for (const x of first) expect(fire(e, x)).toEqual(expect.not.arrayContaining(['forbidden-burst', 'anonymous-scan']));
    expect(fire(e, denied(2))).toContain('forbidden-burst');
    expect(fire(e, anon403(2))).toContain('anonymous-scan');
  });
  it('window state written before events were kept in it (times only) still counts', () => {
    const state = new RuleState();
    state.restore('forbidden-burst|c|mallory', { times: [Date.parse(at(0)), Date.parse(at(1))], reportedAt: null });
    const e = createEngine({ settings, state });
    expect(fire(e, denied(2))).toContain('forbidden-burst');
  });
  it('secret-read-burst: N distinct secrets read within 30 minutes; the same secret again does not count', () => {
    const e = engine();
    const read = (m: number, name: string) => ev(m, { verb: 'get', requestURI: `/api/v1/namespaces/prod/secrets/${name}`, objectRef: { resource: 'secrets', namespace: 'prod', name } });
    fire(e, read(0, 'a'));
    fire(e, read(1, 'a'));
    expect(fire(e, read(2, 'b'))).not.toContain('secret-read-burst');
    expect(fire(e, read(3, 'c'))).toContain('secret-read-burst');
  });
});

describe('credential rules', () => {
  const podToken = (m: number, ip: string, jti = 'JTI=abc') =>
    ev(m, {
      user: {
        username: 'system:serviceaccount:prod:web',
        extra: { 'authentication.kubernetes.io/credential-id': [jti], 'authentication.kubernetes.io/pod-name': ['web-1'] },
      },
      sourceIPs: [ip],
    });
  it('token-reuse-from-new-ip: a pod-bound token from another IP than first seen', () => {
    const e = engine();
    expect(fire(e, podToken(0, '10.1.0.7'))).not.toContain('token-reuse-from-new-ip');
    expect(fire(e, podToken(1, '10.1.0.7'))).not.toContain('token-reuse-from-new-ip');
    expect(fire(e, podToken(2, '192.0.2.66'))).toContain('token-reuse-from-new-ip');
    expect(fire(e, podToken(3, '10.1.0.7', 'JTI=other'))).not.toContain('token-reuse-from-new-ip');
  });
  it('token-reuse-from-new-ip: a node credential from a second address', () => {
    const e = engine();
    const node = (ip: string) => ev(0, { user: { username: 'system:node:n1', groups: ['system:nodes'] }, sourceIPs: [ip] });
    fire(e, node('10.0.0.11'));
    expect(fire(e, node('10.9.9.9'))).toContain('token-reuse-from-new-ip');
  });
  it('credential-not-rotated: used more than maxCredentialAgeDays after first seen, reported once', () => {
    const e = engine();
    const day = 24 * 60;
    fire(e, podToken(0, '10.1.0.7'));
    expect(fire(e, podToken(9 * day, '10.1.0.7'))).not.toContain('credential-not-rotated');
    expect(fire(e, podToken(11 * day, '10.1.0.7'))).toContain('credential-not-rotated');
    expect(fire(e, podToken(12 * day, '10.1.0.7'))).not.toContain('credential-not-rotated');
  });
  it('dormant-credential-used: unused for more than dormantDays, then used', () => {
    const e = engine();
    const day = 24 * 60;
    fire(e, podToken(0, '10.1.0.7'));
    expect(fire(e, podToken(4 * day, '10.1.0.7'))).not.toContain('dormant-credential-used');
    expect(fire(e, podToken(10 * day, '10.1.0.7'))).toContain('dormant-credential-used');
  });
});

describe('csr-self-approved', () => {
  const csr = (m: number, user: string, sub?: string) =>
    ev(m, {
      verb: sub ? 'update' : 'create',
      requestURI: `/apis/certificates.k8s.io/v1/certificatesigningrequests${sub ? `/csr-1/${sub}` : ''}`,
      objectRef: { resource: 'certificatesigningrequests', apiGroup: 'certificates.k8s.io', name: 'csr-1', ...(sub ? { subresource: sub } : {}) },
      user: { username: user, groups: ['system:authenticated'] },
      responseStatus: { code: sub ? 200 : 201 },
    });
  it('fires when the creator approves its own CSR, not when someone else does', () => {
    const e = engine();
    fire(e, csr(0, 'eve'));
    expect(fire(e, csr(1, 'eve', 'approval'))).toContain('csr-self-approved');
    const f = engine();
    fire(f, csr(0, 'eve'));
    expect(fire(f, csr(1, 'admin', 'approval'))).not.toContain('csr-self-approved');
  });
});

describe('cluster-wide rules', () => {
  it('audit-silence: a gap longer than silenceMinutes in event time', () => {
    const e = engine();
    fire(e, ev(0));
    expect(fire(e, ev(10))).not.toContain('audit-silence');
    expect(fire(e, ev(40))).toContain('audit-silence');
    expect(fire(e, ev(41))).not.toContain('audit-silence');
  });
  it('plaintext-ingest: once per cluster and hour of receipt, never over TLS', () => {
    const e = engine();
    expect(fire(e, ev(0), false)).toContain('plaintext-ingest');
    expect(fire(e, ev(1), false)).not.toContain('plaintext-ingest');
    expect(fire(engine(), ev(0), true)).not.toContain('plaintext-ingest');
  });
});

describe('rule state', () => {
  it('is bounded: the least recently written key is evicted, and the eviction is a tombstone', () => {
    const s = new RuleState(2);
    s.set('a', 1);
    s.set('b', 2);
    s.drain();
    s.set('c', 3);
    expect(s.size).toBe(2);
    expect(s.get('a')).toBeUndefined();
    expect(s.drain()).toEqual(expect.arrayContaining([{ key: 'c', value: 3 }, { key: 'a', value: null }]));
  });
  it('restores persisted entries so a new engine continues where the old one stopped', () => {
    const first = engine();
    fire(first, ev(0));
    const persisted = first.state.drain();
    const second = createEngine({ settings, state: new RuleState() });
    for (const c of persisted) second.state.restore(c.key, c.value);
    expect(fire(second, ev(60))).toContain('audit-silence');
  });
});

describe('anonymous-scan and failed authentication', () => {
  it('counts 401s that kube-apiserver audits with an empty user (failed authentication)', () => {
    const e = engine();
    const failed = (m: number) => ev(m, { user: {}, sourceIPs: ['203.0.113.50'], responseStatus: { code: 401 }, annotations: {} });
    fire(e, failed(0));
    fire(e, failed(1));
    expect(fire(e, failed(2))).toContain('anonymous-scan');
  });
});
