// Audit-integrity rules. Client-chosen audit IDs: kube-apiserver copies a client's Audit-ID header into
// auditID, so a client can reuse one ID for several requests (a decoy before the real one) or send one far
// too long to fit an event. audit-id-reused, audit-id-anomalous and oversized-event say so; the oversized
// event is analysed from its metadata instead of being dropped whole. The other events follow the Kubernetes
// documentation (Events, the audit docs for the stateful audit-silence).
import { describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { createEngine, RuleState } from '#shared/engine';
import { auditEventOf, envelopeOf, eventList } from '#shared/testing';
import { getJson, postEvents, pipelineForSuite, type Pipeline } from '../../helpers/pipeline.js';
import { waitFor } from '../../helpers/wait-for.js';
import { access, apiRequest, at, eventAt, fire, NAMESPACE_CONTROLLER, statefulEngine, statefulSettings } from './helpers.js';

const { fired, findingOf } = access;

const id = '5e1a6d4c-2f0b-4c3e-9a7d-1b2c3d4e5f60';
const harmless = auditEventOf({ auditID: id, verb: 'get', requestURI: '/api/v1/namespaces/default/configmaps/settings', objectRef: { resource: 'configmaps', namespace: 'default', name: 'settings', apiVersion: 'v1' }, requestReceivedTimestamp: '2026-12-01T10:00:00.000000Z', stageTimestamp: '2026-12-01T10:00:00.010000Z' });
const escalation = auditEventOf({
  auditID: id,
  verb: 'create',
  requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  objectRef: { resource: 'clusterrolebindings', name: 'pwn', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
  responseStatus: { code: 201 },
  level: 'RequestResponse',
  requestObject: { kind: 'ClusterRoleBinding', metadata: { name: 'pwn' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }] },
  requestReceivedTimestamp: '2026-12-01T10:00:01.000000Z',
  stageTimestamp: '2026-12-01T10:00:01.020000Z',
});
const ruleIds = (findings: Finding[]) => findings.map((f) => f.ruleId);

describe('audit-events-deleted', () => {
  it('fires on a core Event deleted and on events.k8s.io Events deleted as a collection', () => {
    const one = apiRequest({ verb: 'delete', uri: '/api/v1/namespaces/shop/events/web-7f9c.17a2b' });
    expect(findingOf(one, 'audit-events-deleted')).toMatchObject({ severity: 'medium', category: 'audit', summary: 'jane@example.com deleted Event web-7f9c.17a2b in namespace shop.' });
    const all = apiRequest({ verb: 'delete', uri: '/apis/events.k8s.io/v1/namespaces/shop/events' });
    expect(findingOf(all, 'audit-events-deleted')?.evidence).toMatchObject({ verb: 'deletecollection', apiGroup: 'events.k8s.io' });
  });

  it('ignores the namespace controller, reads, other resources and failures', () => {
    expect(fired(apiRequest({ verb: 'delete', uri: '/api/v1/namespaces/shop/events', user: NAMESPACE_CONTROLLER }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'list', uri: '/api/v1/namespaces/shop/events' }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'delete', uri: '/api/v1/namespaces/shop/pods/web' }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'delete', uri: '/api/v1/namespaces/shop/events/x', code: 404 }))).toEqual([]);
  });
});

describe('audit-id-anomalous', () => {
  it('fires on an ID longer than 128 characters or made of unusual characters, not on UUIDs', () => {
    const engine = createEngine();
    expect(ruleIds(engine.analyze(envelopeOf(auditEventOf({ auditID: id }))).findings)).not.toContain('audit-id-anomalous');
    const long = engine.analyze(envelopeOf(auditEventOf({ auditID: 'a'.repeat(300) }))).findings.find((f) => f.ruleId === 'audit-id-anomalous');
    expect(long?.evidence).toMatchObject({ auditIdLength: 300, unusualCharacters: false });
    const odd = engine.analyze(envelopeOf(auditEventOf({ auditID: 'hide me\nplease' }))).findings.find((f) => f.ruleId === 'audit-id-anomalous');
    expect(odd?.evidence).toMatchObject({ unusualCharacters: true });
  });
});

describe('audit-id-reused', () => {
  it('fires when a second request arrives under the ID of the first, naming both; the real request keeps its own findings', () => {
    const engine = createEngine();
    expect(ruleIds(engine.analyze(envelopeOf(harmless)).findings)).not.toContain('audit-id-reused');
    const second = engine.analyze(envelopeOf(escalation)).findings;
    const reused = second.find((f) => f.ruleId === 'audit-id-reused');
    expect(reused?.severity).toBe('high');
    expect(reused?.evidence).toMatchObject({ first: { verb: 'get', requestUri: '/api/v1/namespaces/default/configmaps/settings' }, again: { verb: 'create', requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' } });
    expect(ruleIds(second)).toContain('cluster-admin-binding');
  });

  it('does not fire on the stages of one request, nor on a redelivered event', () => {
    const engine = createEngine();
    const started = { ...(harmless as object), stage: 'ResponseStarted' };
    const all = [harmless, started, harmless, started].flatMap((e) => engine.analyze(envelopeOf(e)).findings);
    expect(ruleIds(all)).not.toContain('audit-id-reused');
  });
});

// An event too large to keep whole, through the embedded pipeline.
describe('oversized-event', () => {
  let p: Pipeline;
  pipelineForSuite((started) => (p = started));

  it('a 600 KB Audit-ID: the request is analysed from its metadata (user, verb, URI, objectRef), its audit ID replaced by a digest, with oversized-event and audit-id-anomalous', async () => {
    const huge = auditEventOf({
      auditID: `x${'y'.repeat(600_000)}`,
      verb: 'create',
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      objectRef: { resource: 'clusterrolebindings', name: 'pwn2', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      user: { username: 'mallory', groups: ['system:authenticated'] },
      responseStatus: { code: 201 },
      // an annotation under kaudit's prefix from elsewhere is not believed
      annotations: { 'kaudit.io/trimmed': 'nothing' },
    });
    const res = await postEvents(p, eventList([huge]));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0 });
    const findings = await waitFor(
      async () => {
        const page = await getJson<{ items: Finding[] }>(p, '/v1/findings?user=mallory&limit=100');
        return page.items.some((f) => f.ruleId === 'oversized-event') ? page.items : undefined;
      },
      { what: 'findings of the trimmed event' },
    );
    expect(ruleIds(findings)).toEqual(expect.arrayContaining(['oversized-event', 'audit-id-anomalous']));
    const oversized = findings.find((f) => f.ruleId === 'oversized-event');
    expect(oversized?.evidence).toMatchObject({ verb: 'create', requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', trimmed: ['auditID'] });
    expect(oversized?.auditId).toMatch(/^kaudit-trimmed-[0-9a-f]{32}$/);
    expect(findings.find((f) => f.ruleId === 'audit-id-anomalous')?.evidence).toMatchObject({ auditIdLength: 600_001 });
    const dlq = await p.bus.readAll(p.topics.dlq);
    expect(dlq.some((m) => m.headers['kaudit-dlq-step'] === 'ingest-trim')).toBe(true);
  });
});

describe('audit-silence', () => {
  it('a gap longer than silenceMinutes in event time', () => {
    const e = statefulEngine();
    fire(e, eventAt(0));
    expect(fire(e, eventAt(10))).not.toContain('audit-silence');
    expect(fire(e, eventAt(40))).toContain('audit-silence');
    expect(fire(e, eventAt(41))).not.toContain('audit-silence');
  });

  // A full kube-apiserver log is never quiet for a minute: kubelets renew their Leases every 10 s and the
  // controller manager and scheduler theirs every 2 s.
  const silence = (e: ReturnType<typeof statefulEngine>, event: Record<string, unknown>) => e.analyze(envelopeOf(event, 'c')).findings.find((f) => f.ruleId === 'audit-silence');
  const steady = (e: ReturnType<typeof statefulEngine>, fromMinute: number, minutes: number, perMinute: number) => {
    for (let m = 0; m < minutes; m++) for (let i = 0; i < perMinute; i++) silence(e, eventAt(fromMinute + m + i / perMinute));
  };
  it('is high after a busy log (10 events a minute for 3 minutes), low after a sparse one', () => {
    const busy = statefulEngine();
    steady(busy, 0, 3, 10);
    const high = silence(busy, eventAt(40));
    expect([high?.severity, high?.evidence.busyBefore]).toEqual(['high', true]);
    const sparse = statefulEngine();
    steady(sparse, 0, 3, 9);
    const low = silence(sparse, eventAt(40));
    expect([low?.severity, low?.evidence.busyBefore]).toEqual(['low', false]);
    expect(low?.summary).toContain('sparse');
  });

  it('counts only minutes in a row up to the gap: a busy spell long before it does not make the log busy', () => {
    const e = statefulEngine();
    steady(e, 0, 3, 10);
    steady(e, 5, 10, 2);
    expect(silence(e, eventAt(40))?.severity).toBe('low');
    const tuned = createEngine({ settings: { ...statefulSettings, silenceBusyRate: 2 } });
    steady(tuned, 0, 3, 2);
    expect(silence(tuned, eventAt(40))?.severity).toBe('high');
  });

  it('takes a cluster known from state written before the pace was kept as busy', () => {
    const state = new RuleState();
    state.set('audit-silence|c', Date.parse(at(0)));
    const e = createEngine({ settings: statefulSettings, state });
    expect(silence(e, eventAt(40))?.severity).toBe('high');
  });
});
