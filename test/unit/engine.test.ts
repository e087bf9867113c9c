// Uses ../shared/corpus (Falco traces, Panther tests, audit2rbac capture) for the real-event cases; the
// stale-token and proxy events are written from the Kubernetes documentation (no corpus event has them).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { recordSchema, splitItems, unwrapDocument } from '#shared/contracts';
import { createEngine, findingId, normalize, rbacRequestOf } from '#shared/engine';
import { auditEventOf, corpusDir, corpusLines, envelopeOf, pantherEvent, pantherTests } from '#shared/testing';

const engine = createEngine();
// a fresh engine per event: stateful rules (e.g. audit-silence across the corpus's years) stay out of it
const rulesFired = (event: unknown) => createEngine().analyze(envelopeOf(event)).findings.map((f) => f.ruleId);

const base = auditEventOf({
  auditID: '1f2e3d4c-0000-4000-8000-000000000001',
  sourceIPs: ['10.0.0.7'],
  stageTimestamp: '2026-03-01T10:00:00.250000Z',
});

describe('normalize', () => {
  it('derives identity, time and decision from a v1beta1 Falco trace without stage timestamps', () => {
    const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
    const r = normalize(envelopeOf(event, 'c1', false));
    expect(r).toMatchObject({
      cluster: 'c1',
      auditId: '841d3e6d-90d2-43df-8da4-684738bee3d5',
      stage: 'ResponseComplete',
      user: 'system:anonymous',
      verb: 'create',
      resource: 'namespaces',
      name: 'foo',
      decision: 'allow',
      responseCode: 201,
      clientIp: '192.168.99.1',
      transportTls: false,
    });
    expect(r.eventTime).toBe('2018-10-25T13:58:49.736Z');
  });

  it('keeps the last source IP as clientIp and the impersonated user (audit2rbac capture)', () => {
    const events = corpusLines('audit2rbac/demo.log');
    const records = events.map((e) => normalize(envelopeOf(e)));
    expect(records).toHaveLength(37);
    expect(records.filter((r) => r.impersonatedUser === 'bob').length).toBeGreaterThan(0);
    expect(records.filter((r) => r.responseCode === 403)).toHaveLength(11);
  });

  it('gives events without an auditID a stable synthetic id', () => {
    const event = pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'ELB Health Check from 10.0.0.0/8');
    const a = normalize(envelopeOf(event));
    const b = normalize(envelopeOf(structuredClone(event)));
    expect(a.auditId).toMatch(/^kaudit-[0-9a-f]{32}$/);
    expect(a.auditId).toBe(b.auditId);
  });

  it('falls back from stageTimestamp to requestReceivedTimestamp to timestamp to receivedAt', () => {
    const { stageTimestamp: _s, ...noStage } = base;
    expect(normalize(envelopeOf(noStage)).eventTime).toBe('2026-03-01T10:00:00.000Z');
    const { requestReceivedTimestamp: _r, ...none } = noStage;
    expect(normalize(envelopeOf(none)).eventTime).toBe('2026-01-01T00:00:00.000Z');
    expect(normalize(envelopeOf({ ...none, timestamp: '2019-05-05T05:05:05Z' })).eventTime).toBe('2019-05-05T05:05:05.000Z');
  });
});

describe('splitItems', () => {
  it('accepts an EventList, a single Event and an array', () => {
    expect(splitItems({ kind: 'EventList', items: [base, base] })).toHaveLength(2);
    expect(splitItems({ kind: 'EventList', items: null })).toHaveLength(0);
    expect(splitItems(base)).toEqual([base]);
    expect(splitItems([base, 1])).toHaveLength(2);
  });
});

describe('anonymous-request-allowed', () => {
  it('fires on the Falco anonymous namespace creation', () => {
    const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
    expect(rulesFired(event)).toContain('anonymous-request-allowed');
  });
  it('fires on Panther "Anonymous API Access" and not on "Non-Anonymous API Access"', () => {
    expect(rulesFired(pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'Anonymous API Access'))).toContain(
      'anonymous-request-allowed',
    );
    expect(rulesFired(pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'Non-Anonymous API Access'))).not.toContain(
      'anonymous-request-allowed',
    );
  });
  it('ignores health and version probes, and denied requests', () => {
    expect(rulesFired(pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'ELB Health Check from 10.0.0.0/8'))).toEqual([]);
    const anon = { ...base, user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } };
    expect(rulesFired({ ...anon, requestURI: '/version' })).toEqual([]);
    expect(rulesFired({ ...anon, requestURI: '/livez?verbose' })).toEqual([]);
    expect(rulesFired({ ...anon, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } })).toEqual([]);
    expect(rulesFired(anon)).toEqual(['anonymous-request-allowed']);
  });
  it('treats the group system:unauthenticated as anonymous', () => {
    const event = { ...base, user: { username: 'someone', groups: ['system:unauthenticated'] }, annotations: { 'authorization.k8s.io/decision': 'allow' } };
    expect(rulesFired(event)).toEqual(['anonymous-request-allowed']);
  });
});

describe('stale-token', () => {
  // kube-apiserver adds this annotation when a bound token older than its stale point is used.
  const annotation = {
    'authentication.k8s.io/stale-token':
      'subject: system:serviceaccount:default:app, seconds after warning threshold: 3600',
  };
  it('fires when the annotation is present', () => {
    const event = { ...base, user: { username: 'system:serviceaccount:default:app' }, annotations: annotation };
    const [finding] = engine.analyze(envelopeOf(event)).findings;
    expect(finding).toMatchObject({ ruleId: 'stale-token', severity: 'medium', user: 'system:serviceaccount:default:app' });
    expect(finding?.evidence.detail).toContain('seconds after warning threshold');
  });
  it('does not fire without it', () => {
    expect(rulesFired(base)).toEqual([]);
  });
});

describe('plaintext-proxy', () => {
  it('fires on a service proxy with the http scheme', () => {
    const event = {
      ...base,
      verb: 'get',
      requestURI: '/api/v1/namespaces/default/services/http:web:8080/proxy/admin',
      objectRef: { resource: 'services', subresource: 'proxy', namespace: 'default', name: 'http:web:8080', apiVersion: 'v1' },
    };
    expect(rulesFired(event)).toEqual(['plaintext-proxy']);
  });
  it('fires on proxying to the kubelet read-only port, also via the deprecated /proxy/ prefix', () => {
    // SPEC lists the read-only port under anonymous-kubelet-access too: both rules fire
    expect(rulesFired({ ...base, verb: 'get', requestURI: '/api/v1/nodes/node-1:10255/proxy/pods' })).toEqual(expect.arrayContaining(['plaintext-proxy', 'anonymous-kubelet-access']));
    expect(rulesFired({ ...base, verb: 'get', requestURI: '/api/v1/proxy/nodes/node-1:10255/stats' })).toContain('plaintext-proxy');
  });
  it('does not fire on https proxies, the kubelet secure port or ordinary requests', () => {
    expect(rulesFired({ ...base, verb: 'get', requestURI: '/api/v1/namespaces/default/services/https:web:443/proxy/' })).toEqual([]);
    expect(rulesFired({ ...base, verb: 'get', requestURI: '/api/v1/nodes/node-1:10250/proxy/pods' })).toEqual([]);
    expect(rulesFired({ ...base, requestURI: '/api/v1/namespaces/default/services/http-api' })).toEqual([]);
  });
});

describe('finding ids', () => {
  it('are deterministic and independent of the stage', () => {
    const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
    const a = engine.analyze(envelopeOf(event)).findings[0];
    const b = engine.analyze(envelopeOf({ ...(event as object), stage: 'ResponseStarted' })).findings[0];
    expect(a?.id).toBe(b?.id);
    const request = event as Parameters<typeof findingId>[3];
    expect(a?.id).toBe(findingId('anonymous-request-allowed', 'test', '841d3e6d-90d2-43df-8da4-684738bee3d5', request));
    expect(findingId('anonymous-request-allowed', 'other', '841d3e6d-90d2-43df-8da4-684738bee3d5', request)).not.toBe(a?.id);
  });

  it('tell apart two requests a client sent under one Audit-ID: a decoy cannot take the id of the finding of a later request', () => {
    const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
    const decoy = engine.analyze(envelopeOf({ ...(event as object), requestURI: '/api/v1/namespaces/foo/configmaps', objectRef: { resource: 'configmaps', namespace: 'foo' } })).findings;
    const real = engine.analyze(envelopeOf(event)).findings;
    expect(real.length).toBeGreaterThan(0);
    const ids = new Set(decoy.map((f) => f.id));
    for (const f of real) expect(ids.has(f.id), f.ruleId).toBe(false);
  });
});

describe('the whole corpus', () => {
  // Every native Event in ../shared/corpus: Falco traces, Panther's native-Event tests, the audit2rbac
  // capture and the AKS captures after unwrapping their Azure envelopes.
  function allCorpusEvents(): unknown[] {
    const falcoFiles = readdirSync(path.join(corpusDir, 'falco-k8s-audit')).filter((f) => f.endsWith('.json') && f !== 'fal_01_003.json');
    const falco = falcoFiles.flatMap((f) => corpusLines(`falco-k8s-audit/${f}`));
    const panther = pantherTests().filter((t) => t.format === 'k8s_audit_event').map((t) => t.log);
    const aksWrapped = pantherTests().filter((t) => t.format === 'azure_diagnostics_wrapped_string').flatMap((t) => unwrapDocument(t.log));
    const sysdig = ['event.json', 'sample_EventHubs_event.json', 'sample_KubeAuditLog_event.json'].flatMap((f) =>
      unwrapDocument(JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', f), 'utf8').replace(/^\uFEFF/, ''))),
    );
    return [...falco, ...panther, ...aksWrapped, ...sysdig, ...corpusLines('audit2rbac/demo.log')];
  }

  it('gives every event a record that satisfies the record contract', () => {
    const events = allCorpusEvents();
    expect(events.length).toBeGreaterThan(51 + 188 + 37 + 24);
    for (const e of events) {
      const { record } = engine.analyze(envelopeOf(e));
      expect(recordSchema.safeParse(record).success, JSON.stringify(e).slice(0, 200)).toBe(true);
    }
  });

  it('classifies the AKS capture: controllers as control plane, nodes, users; all credential kinds valid', () => {
    const events = unwrapDocument(JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'event.json'), 'utf8')));
    const records = events.map((e) => engine.analyze(envelopeOf(e)).record);
    expect(records).toHaveLength(22);
    expect(records.some((r) => r.identityKind === 'controlplane')).toBe(true);
    expect(records.every((r) => r.userAgentProduct !== null || r.userAgent === null)).toBe(true);
  });

  it('carries impersonation in the audit2rbac capture and authorizes as the impersonated user', () => {
    const records = corpusLines('audit2rbac/demo.log').map((e) => engine.analyze(envelopeOf(e)).record);
    const impersonated = records.filter((r) => r.impersonatedUser !== null);
    expect(new Set(impersonated.map((r) => r.impersonatedUser))).toEqual(new Set(['bob', 'alice', 'system:serviceaccount:ns1:sa1']));
    expect(impersonated.every((r) => r.user === 'system:admin' && r.identityKind === 'user')).toBe(true);
    const first = impersonated[0];
    expect(first && rbacRequestOf(first).user).toBe(first?.impersonatedUser);
    expect(records.every((r) => r.attributeMismatches.length === 0)).toBe(true);
  });
});
