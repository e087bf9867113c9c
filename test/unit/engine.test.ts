// Uses ../shared/corpus (Falco traces, Panther tests, audit2rbac capture) for the real-event cases. The rules
// themselves are tested by category in rules/; what is tested here is the engine around them: normalizing,
// splitting, finding ids, rule state, the whole corpus.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { recordSchema, splitItems, unwrapDocument } from '#shared/contracts';
import { createEngine, findingId, normalize, rbacRequestOf, RuleState } from '#shared/engine';
import { corpusDir, corpusLines, envelopeOf, pantherEvent, pantherTests } from '#shared/testing';
import { eventAt, fire, plainRequest as base, statefulEngine, statefulSettings } from './rules/helpers.js';

const engine = createEngine();

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
    const first = statefulEngine();
    fire(first, eventAt(0));
    const persisted = first.state.drain();
    const second = createEngine({ settings: statefulSettings, state: new RuleState() });
    for (const c of persisted) second.state.restore(c.key, c.value);
    expect(fire(second, eventAt(60))).toContain('audit-silence');
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
