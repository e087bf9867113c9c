// The query API's detail endpoints over a real DuckDB file: one finding with its record, every stage of
// one request with raw events, finding stats, identity summaries and the credential inventory; roles,
// parameter errors, 404s and injection attempts. Records come from the engine run over ../shared/corpus
// (the audit2rbac capture and a Falco trace, third-party data beside the repository) plus synthetic
// events carrying credential ids (authentication.kubernetes.io/credential-id), spread over days.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord, RecordMessage } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { openDatabase, type Database } from '#shared/storage';
import { corpusLines, envelopeOf } from '#shared/testing';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens } from '../helpers/pipeline.js';
import { apiGetter } from '../helpers/inject.js';

const day = 86_400_000;

interface SynthOptions {
  auditId: string;
  stage?: 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete';
  user: string;
  credentialId: string;
  pod?: string;
  time: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  code?: number;
}

/** A synthetic audit event with a credential id (Kubernetes 1.29+ records one in user.extra). */
function synthEvent(o: SynthOptions): Record<string, unknown> {
  const stage = o.stage ?? 'ResponseComplete';
  const resource = o.resource ?? 'pods';
  const verb = o.verb ?? 'get';
  const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [o.credentialId] };
  if (o.pod !== undefined) extra['authentication.kubernetes.io/pod-name'] = [o.pod];
  const code = o.code ?? 200;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: o.auditId,
    stage,
    requestURI: `/api/v1/namespaces/ci/${resource}/x${o.subresource ? `/${o.subresource}` : ''}`,
    verb,
    user: { username: o.user, groups: ['system:authenticated'], extra },
    sourceIPs: ['10.1.2.3'],
    userAgent: 'kubectl/v1.30.0',
    objectRef: { resource, namespace: 'ci', name: 'x', apiVersion: 'v1', ...(o.subresource ? { subresource: o.subresource } : {}) },
    ...(stage === 'RequestReceived' ? {} : { responseStatus: { code } }),
    requestReceivedTimestamp: o.time,
    stageTimestamp: o.time,
    annotations: stage === 'RequestReceived' ? {} : { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': '' },
  };
}

const deployer = 'system:serviceaccount:ci:deployer';
const alice = 'alice@example.com';
const admin = 'kubernetes-admin';

const synthetic: SynthOptions[] = [
  // the deployer's bound token, in use from 2025-01-01 to 2026-06-03 (518 days)
  { auditId: 'syn-d1', user: deployer, credentialId: 'JTI=ccc', pod: 'runner-1', time: '2025-01-01T10:00:00.000Z', verb: 'list', resource: 'secrets' },
  { auditId: 'syn-d2', stage: 'RequestReceived', user: deployer, credentialId: 'JTI=ccc', pod: 'runner-1', time: '2026-06-03T08:00:00.000Z', verb: 'create', resource: 'pods', subresource: 'exec' },
  { auditId: 'syn-d2', stage: 'ResponseComplete', user: deployer, credentialId: 'JTI=ccc', pod: 'runner-1', time: '2026-06-03T08:00:01.000Z', verb: 'create', resource: 'pods', subresource: 'exec', code: 403 },
  { auditId: 'syn-d3', user: deployer, credentialId: 'JTI=ccc', pod: 'runner-1', time: '2026-03-01T00:00:00.000Z', verb: 'get', resource: 'secrets' },
  // alice's OIDC tokens: aaa over 151 days, bbb once
  { auditId: 'syn-a1', user: alice, credentialId: 'JTI=aaa', time: '2026-01-01T00:00:00.000Z' },
  { auditId: 'syn-a2', user: alice, credentialId: 'JTI=aaa', time: '2026-03-15T12:00:00.000Z' },
  { auditId: 'syn-a3', user: alice, credentialId: 'JTI=aaa', time: '2026-06-01T00:00:00.000Z' },
  { auditId: 'syn-a4', user: alice, credentialId: 'JTI=bbb', time: '2026-06-02T00:00:00.000Z' },
  // a client certificate over 19 days
  { auditId: 'syn-x1', user: admin, credentialId: 'X509SHA256=abc', time: '2026-05-01T00:00:00.000Z' },
  { auditId: 'syn-x2', user: admin, credentialId: 'X509SHA256=abc', time: '2026-05-20T00:00:00.000Z' },
];

function analyzed(): { records: RecordMessage[]; findings: Finding[] } {
  const events = [...corpusLines('audit2rbac/demo.log'), ...corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json')];
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  const add = (e: unknown, cluster: string) => {
    // a fresh engine per event keeps cluster-wide stateful rules out of these fixtures
    const a = createEngine().analyze(envelopeOf(e, cluster));
    records.push({ record: a.record, event: e as Record<string, unknown> });
    findings.push(...a.findings);
  };
  events.forEach((e, i) => {
    add(e, i % 2 === 0 ? 'east' : 'west');
  });
  for (const s of synthetic) add(synthEvent(s), 'lab');
  return { records, findings };
}

function finding(i: number, o: Partial<Finding>): Finding {
  return {
    id: `syn-f${String(i).padStart(2, '0')}`,
    ruleId: 'stale-token',
    title: 't',
    severity: 'medium',
    category: 'credentials',
    mitre: [],
    cluster: 'lab',
    auditId: 'none',
    stage: 'ResponseComplete',
    eventTime: '2030-01-01T00:00:00.000Z',
    user: 'nobody',
    groups: [],
    sourceIps: [],
    userAgent: null,
    verb: 'get',
    apiGroup: '',
    resource: 'pods',
    subresource: null,
    namespace: 'ci',
    name: null,
    decision: 'allow',
    responseCode: 200,
    summary: 's',
    evidence: { i },
    ...o,
  };
}

/** Findings in 2030 (after every record), so stats over a 2030 window are exact. */
const syntheticFindings: Finding[] = [
  finding(0, { auditId: 'syn-d2', stage: 'ResponseComplete', user: deployer, ruleId: 'exec-into-pod', severity: 'high', eventTime: '2030-01-01T00:10:00.000Z' }),
  // its stage was not stored: the latest stored stage of the request stands in
  finding(1, { auditId: 'syn-d2', stage: 'ResponseStarted', user: deployer, ruleId: 'exec-into-pod', severity: 'high', eventTime: '2030-01-01T00:20:00.000Z' }),
  finding(2, { auditId: 'syn-d1', user: deployer, ruleId: 'secret-read', severity: 'low', eventTime: '2030-01-01T01:30:00.000Z' }),
  finding(3, { auditId: 'missing', user: alice, ruleId: 'secret-read', severity: 'low', eventTime: '2030-01-01T01:40:00.000Z', namespace: null }),
  finding(4, { auditId: 'syn-a1', user: alice, ruleId: 'stale-token', severity: 'medium', eventTime: '2030-01-02T05:00:00.000Z', cluster: 'lab2' }),
  finding(5, { auditId: 'syn-a2', user: alice, ruleId: 'stale-token', severity: 'critical', eventTime: '2030-01-02T05:59:59.999Z' }),
];

describe('query API: detail endpoints', () => {
  let db: Database;
  let app: FastifyInstance;
  const logLines: string[] = [];
  const data = analyzed();
  const allFindings = [...data.findings, ...syntheticFindings];

  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-store-more-')), 'k.duckdb'));
    await db.write({ records: data.records, findings: allFindings });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: pino({ level: 'info' }, sink), isReady: () => true });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const get = apiGetter(() => app);
  const recordOf = (cluster: string, auditId: string, stage: string): NormalizedRecord | undefined =>
    data.records.find((m) => m.record.cluster === cluster && m.record.auditId === auditId && m.record.stage === stage)?.record;
  // rows as stored: the first of each (cluster, auditId, stage) key wins
  const stored = (() => {
    const seen = new Map<string, RecordMessage>();
    for (const m of data.records) {
      const k = `${m.record.cluster}/${m.record.auditId}/${m.record.stage}`;
      if (!seen.has(k)) seen.set(k, m);
    }
    return [...seen.values()].map((m) => m.record);
  })();
  const counts = async () => {
    const [r] = await db.query('SELECT (SELECT count(*) FROM records)::INTEGER AS r, (SELECT count(*) FROM findings)::INTEGER AS f');
    return r;
  };

  describe('GET /v1/findings/{id}', () => {
    it('serves a corpus finding with the record it was raised on', async () => {
      const f = data.findings.find((x) => x.ruleId === 'anonymous-request-allowed');
      expect(f).toBeDefined();
      if (!f) return;
      const { status, body } = await get<{ finding: Finding; record: NormalizedRecord | null }>(`/v1/findings/${encodeURIComponent(f.id)}`, apiTokens.viewer);
      expect(status).toBe(200);
      expect(body.finding).toEqual(f);
      expect(body.record).toEqual(recordOf(f.cluster, f.auditId, f.stage));
      expect(body.record?.user).toBe('system:anonymous');
    });

    it("falls back to another stage of the request, and to null when it has no record", async () => {
      const exact = await get<{ finding: Finding; record: NormalizedRecord | null }>('/v1/findings/syn-f00', apiTokens.viewer);
      expect(exact.body.finding).toEqual(syntheticFindings[0]);
      expect(exact.body.record).toEqual(recordOf('lab', 'syn-d2', 'ResponseComplete'));
      const fallback = await get<{ record: NormalizedRecord | null }>('/v1/findings/syn-f01', apiTokens.viewer);
      expect(fallback.status).toBe(200);
      expect(fallback.body.record?.stage).toBe('ResponseComplete');
      expect(fallback.body.record?.auditId).toBe('syn-d2');
      const none = await get<{ finding: Finding; record: null }>('/v1/findings/syn-f03', apiTokens.viewer);
      expect(none.status).toBe(200);
      expect(none.body.record).toBeNull();
      expect(none.body.finding.namespace).toBeNull();
    });

    it('answers 404 for an unknown id and checks the token', async () => {
      const { status, body } = await get<{ error: string; message: string }>('/v1/findings/nope', apiTokens.viewer);
      expect(status).toBe(404);
      expect(body.error).toBe('not_found');
      expect((await app.inject({ url: '/v1/findings/syn-f00' })).statusCode).toBe(401);
    });
  });

  describe('GET /v1/events/{auditId}', () => {
    it('serves every stage in lifecycle order with the raw events, and logs the caller', async () => {
      const { status, body } = await get<{ items: { record: NormalizedRecord; raw: Record<string, unknown> }[] }>('/v1/events/syn-d2', apiTokens.analyst);
      expect(status).toBe(200);
      expect(body.items.map((i) => i.record.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
      expect(body.items[0]?.record).toEqual(recordOf('lab', 'syn-d2', 'RequestReceived'));
      expect(body.items[1]?.record).toEqual(recordOf('lab', 'syn-d2', 'ResponseComplete'));
      expect(body.items[1]?.raw).toEqual(synthEvent(synthetic[2] as SynthOptions));
      expect(body.items[1]?.raw).toMatchObject({ responseStatus: { code: 403 } });
      const read = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'raw event read');
      expect(read.at(-1)).toMatchObject({ caller: 'ann', auditId: 'syn-d2' });
    });

    it('serves a corpus request and filters by cluster', async () => {
      const r = data.records[0]?.record;
      expect(r).toBeDefined();
      if (!r) return;
      const { body } = await get<{ items: { record: NormalizedRecord; raw: unknown }[] }>(`/v1/events/${encodeURIComponent(r.auditId)}?cluster=${r.cluster}`);
      expect(body.items).toHaveLength(stored.filter((x) => x.auditId === r.auditId && x.cluster === r.cluster).length);
      expect(body.items[0]?.raw).toEqual(data.records[0]?.event);
      const other = r.cluster === 'east' ? 'west' : 'east';
      const missing = stored.some((x) => x.auditId === r.auditId && x.cluster === other);
      expect((await get(`/v1/events/${encodeURIComponent(r.auditId)}?cluster=${other}`)).status).toBe(missing ? 200 : 404);
    });

    it('needs the analyst role and answers 404 for an unknown audit id', async () => {
      expect((await app.inject({ url: '/v1/events/syn-d2' })).statusCode).toBe(401);
      expect((await get('/v1/events/syn-d2', apiTokens.viewer)).status).toBe(403);
      const { status, body } = await get<{ error: string }>('/v1/events/00000000-0000-0000-0000-000000000000', apiTokens.analyst);
      expect(status).toBe(404);
      expect(body.error).toBe('not_found');
      expect((await get('/v1/events/syn-d2?cluster=lab2')).status).toBe(404);
    });
  });

  describe('GET /v1/stats', () => {
    type Stats = { groupBy: string; interval: string | null; buckets: { start: string | null; key: string | null; count: number }[] };
    const window = `since=2030-01-01T00:00:00Z&until=${encodeURIComponent('2030-01-03T00:00:00+00:00')}`;

    it('counts findings per key over the whole range without an interval', async () => {
      const { status, body } = await get<Stats>('/v1/stats?groupBy=ruleId', apiTokens.viewer);
      expect(status).toBe(200);
      expect(body.groupBy).toBe('ruleId');
      expect(body.interval).toBeNull();
      const expected = new Map<string, number>();
      for (const f of allFindings) expected.set(f.ruleId, (expected.get(f.ruleId) ?? 0) + 1);
      expect(body.buckets).toHaveLength(expected.size);
      expect(body.buckets.every((b) => b.start === null)).toBe(true);
      expect(Object.fromEntries(body.buckets.map((b) => [b.key, b.count]))).toEqual(Object.fromEntries(expected));
      const sorted = body.buckets.map((b) => b.count);
      expect([...sorted].sort((a, b) => b - a)).toEqual(sorted);
    });

    it('buckets by hour and by day within a time window', async () => {
      const hourly = await get<Stats>(`/v1/stats?groupBy=ruleId&interval=1h&${window}`, apiTokens.viewer);
      expect(hourly.body.interval).toBe('1h');
      expect(hourly.body.buckets).toEqual([
        { start: '2030-01-01T00:00:00.000Z', key: 'exec-into-pod', count: 2 },
        { start: '2030-01-01T01:00:00.000Z', key: 'secret-read', count: 2 },
        { start: '2030-01-02T05:00:00.000Z', key: 'stale-token', count: 2 },
      ]);
      const daily = await get<Stats>(`/v1/stats?groupBy=severity&interval=1d&${window}`);
      expect(daily.body.buckets).toEqual([
        { start: '2030-01-01T00:00:00.000Z', key: 'high', count: 2 },
        { start: '2030-01-01T00:00:00.000Z', key: 'low', count: 2 },
        { start: '2030-01-02T00:00:00.000Z', key: 'critical', count: 1 },
        { start: '2030-01-02T00:00:00.000Z', key: 'medium', count: 1 },
      ]);
      const users = await get<Stats>(`/v1/stats?groupBy=user&${window}`);
      expect(users.body.buckets).toEqual([
        { start: null, key: alice, count: 3 },
        { start: null, key: deployer, count: 3 },
      ]);
      const namespaces = await get<Stats>(`/v1/stats?groupBy=namespace&${window}`);
      expect(namespaces.body.buckets).toEqual([
        { start: null, key: 'ci', count: 5 },
        { start: null, key: null, count: 1 },
      ]);
      const clusters = await get<Stats>(`/v1/stats?groupBy=cluster&interval=1d&since=2030-01-02T00:00:00Z`);
      expect(clusters.body.buckets).toEqual([
        { start: '2030-01-02T00:00:00.000Z', key: 'lab', count: 1 },
        { start: '2030-01-02T00:00:00.000Z', key: 'lab2', count: 1 },
      ]);
    });

    it('needs a token and answers 400 naming the bad parameter', async () => {
      expect((await app.inject({ url: '/v1/stats?groupBy=ruleId' })).statusCode).toBe(401);
      const cases: [string, string][] = [
        ['/v1/stats?groupBy=nope', 'groupBy'],
        ['/v1/stats', 'groupBy'],
        ['/v1/stats?groupBy=ruleId&interval=1w', 'interval'],
        ['/v1/stats?groupBy=ruleId&since=yesterday', 'since'],
        ['/v1/stats?groupBy=ruleId&until=2030-13-01', 'until'],
      ];
      for (const [url, name] of cases) {
        const { status, body } = await get<{ message: string }>(url, apiTokens.viewer);
        expect(status, url).toBe(400);
        expect(body.message, url).toContain(`"${name}"`);
      }
    });
  });

  describe('GET /v1/identities/{user}', () => {
    type Identity = {
      user: string;
      firstSeen: string;
      lastSeen: string;
      events: number;
      identityKinds: string[];
      credentials: { credentialId: string; credentialKind: string; firstSeen: string; lastSeen: string; events: number }[];
      verbs: { verb: string; count: number }[];
      resources: { resource: string; count: number }[];
      forbidden: number;
      findingsByRule: { ruleId: string; count: number }[];
      clusters: string[];
    };

    it('summarizes a service account with a bound token (user is URL-encoded: it contains colons)', async () => {
      const { status, body } = await get<Identity>(`/v1/identities/${encodeURIComponent(deployer)}`, apiTokens.analyst);
      expect(status).toBe(200);
      expect(body).toEqual({
        user: deployer,
        firstSeen: '2025-01-01T10:00:00.000Z',
        lastSeen: '2026-06-03T08:00:01.000Z',
        events: 3,
        identityKinds: ['serviceaccount'],
        credentials: [
          { credentialId: 'JTI=ccc', credentialKind: 'sa-bound-token', firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2026-06-03T08:00:01.000Z', events: 3 },
        ],
        verbs: [
          { verb: 'get', count: 1 },
          { verb: 'create', count: 1 },
          { verb: 'list', count: 1 },
        ].sort((a, b) => a.verb.localeCompare(b.verb)),
        resources: [
          { resource: 'secrets', count: 2 },
          { resource: 'pods/exec', count: 1 },
        ],
        forbidden: 1,
        findingsByRule: [
          { ruleId: 'exec-into-pod', count: 2 },
          { ruleId: 'secret-read', count: 1 },
        ],
        clusters: ['lab'],
      });
    });

    it('lists several credentials of one user, most recently used first', async () => {
      const { body } = await get<Identity>(`/v1/identities/${encodeURIComponent(alice)}`, apiTokens.analyst);
      expect(body.credentials).toEqual([
        { credentialId: 'JTI=bbb', credentialKind: 'oidc-or-token', firstSeen: '2026-06-02T00:00:00.000Z', lastSeen: '2026-06-02T00:00:00.000Z', events: 1 },
        { credentialId: 'JTI=aaa', credentialKind: 'oidc-or-token', firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-06-01T00:00:00.000Z', events: 3 },
      ]);
      expect(body.events).toBe(4);
      expect(body.findingsByRule).toEqual([
        { ruleId: 'stale-token', count: 2 },
        { ruleId: 'secret-read', count: 1 },
      ]);
    });

    it('summarizes a corpus user exactly as the stored records say', async () => {
      const user = 'system:admin';
      const mine = stored.filter((r) => r.user === user);
      expect(mine.length).toBeGreaterThan(0);
      const requests = new Set(mine.map((r) => `${r.cluster}/${r.auditId}`));
      const times = mine.map((r) => r.eventTime).sort();
      const verbCount = new Map<string, Set<string>>();
      for (const r of mine) verbCount.set(r.verb, (verbCount.get(r.verb) ?? new Set()).add(`${r.cluster}/${r.auditId}`));
      const forbidden = new Set(mine.filter((r) => r.responseCode === 403 || r.decision === 'forbid').map((r) => `${r.cluster}/${r.auditId}`));
      const rules = new Map<string, number>();
      for (const f of allFindings.filter((x) => x.user === user)) rules.set(f.ruleId, (rules.get(f.ruleId) ?? 0) + 1);
      const { status, body } = await get<Identity>(`/v1/identities/${encodeURIComponent(user)}`, apiTokens.analyst);
      expect(status).toBe(200);
      expect(body.firstSeen).toBe(times[0]);
      expect(body.lastSeen).toBe(times.at(-1));
      expect(body.events).toBe(requests.size);
      expect(body.identityKinds).toEqual([...new Set(mine.map((r) => r.identityKind))].sort());
      expect(body.clusters).toEqual([...new Set(mine.map((r) => r.cluster))].sort());
      expect(Object.fromEntries(body.verbs.map((v) => [v.verb, v.count]))).toEqual(Object.fromEntries([...verbCount].map(([v, s]) => [v, s.size])));
      expect(body.forbidden).toBe(forbidden.size);
      expect(Object.fromEntries(body.findingsByRule.map((v) => [v.ruleId, v.count]))).toEqual(Object.fromEntries(rules));
      expect(body.credentials).toEqual([]);
      expect(body.resources.length).toBeLessThanOrEqual(50);
    });

    it('needs the analyst role and answers 404 for a user without records', async () => {
      const url = `/v1/identities/${encodeURIComponent(deployer)}`;
      expect((await app.inject({ url })).statusCode).toBe(401);
      expect((await get(url, apiTokens.viewer)).status).toBe(403);
      const { status, body } = await get<{ error: string }>('/v1/identities/nobody', apiTokens.analyst);
      expect(status).toBe(404);
      expect(body.error).toBe('not_found');
    });
  });

  describe('GET /v1/credentials', () => {
    type Credential = { credentialId: string; credentialKind: string; user: string; cluster: string; firstSeen: string; lastSeen: string; ageDays: number; stale: boolean };
    type Page = { items: Credential[]; nextCursor: string | null };
    const age = (a: string, b: string) => Math.floor((Date.parse(b) - Date.parse(a)) / day);

    it('lists credentials most recently used first with age and stale flag (default 90 days)', async () => {
      const { status, body } = await get<Page>('/v1/credentials', apiTokens.analyst);
      expect(status).toBe(200);
      expect(body.nextCursor).toBeNull();
      expect(body.items).toEqual([
        { credentialId: 'JTI=ccc', credentialKind: 'sa-bound-token', user: deployer, cluster: 'lab', firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2026-06-03T08:00:01.000Z', ageDays: age('2025-01-01T10:00:00.000Z', '2026-06-03T08:00:01.000Z'), stale: true },
        { credentialId: 'JTI=bbb', credentialKind: 'oidc-or-token', user: alice, cluster: 'lab', firstSeen: '2026-06-02T00:00:00.000Z', lastSeen: '2026-06-02T00:00:00.000Z', ageDays: 0, stale: false },
        { credentialId: 'JTI=aaa', credentialKind: 'oidc-or-token', user: alice, cluster: 'lab', firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-06-01T00:00:00.000Z', ageDays: 151, stale: true },
        { credentialId: 'X509SHA256=abc', credentialKind: 'x509', user: admin, cluster: 'lab', firstSeen: '2026-05-01T00:00:00.000Z', lastSeen: '2026-05-20T00:00:00.000Z', ageDays: 19, stale: false },
      ]);
      expect(body.items[0]?.ageDays).toBe(517);
    });

    it('applies staleAfterDays and cluster, and pages with a cursor', async () => {
      const stale = async (n: number) => (await get<Page>(`/v1/credentials?staleAfterDays=${String(n)}`, apiTokens.analyst)).body.items.filter((c) => c.stale).map((c) => c.credentialId);
      expect(await stale(200)).toEqual(['JTI=ccc']);
      expect(await stale(18)).toEqual(['JTI=ccc', 'JTI=aaa', 'X509SHA256=abc']);
      expect(await stale(3650)).toEqual([]);
      expect((await get<Page>('/v1/credentials?cluster=east')).body.items).toEqual([]);
      expect((await get<Page>('/v1/credentials?cluster=lab')).body.items).toHaveLength(4);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/v1/credentials?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page: { status: number; body: Page } = await get<Page>(url);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((c) => c.credentialId));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(2);
      expect(seen).toEqual(['JTI=ccc', 'JTI=bbb', 'JTI=aaa', 'X509SHA256=abc']);
    });

    it('needs the analyst role and answers 400 naming the bad parameter', async () => {
      expect((await app.inject({ url: '/v1/credentials' })).statusCode).toBe(401);
      expect((await get('/v1/credentials', apiTokens.viewer)).status).toBe(403);
      const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'x'])).toString('base64url');
      const cases: [string, string][] = [
        ['/v1/credentials?staleAfterDays=0', 'staleAfterDays'],
        ['/v1/credentials?staleAfterDays=3651', 'staleAfterDays'],
        ['/v1/credentials?staleAfterDays=1.5', 'staleAfterDays'],
        ['/v1/credentials?staleAfterDays=abc', 'staleAfterDays'],
        ['/v1/credentials?limit=0', 'limit'],
        ['/v1/credentials?cursor=garbage', 'cursor'],
        [`/v1/credentials?cursor=${forged}`, 'cursor'],
      ];
      for (const [url, name] of cases) {
        const { status, body } = await get<{ message: string }>(url, apiTokens.analyst);
        expect(status, url).toBe(400);
        expect(body.message, url).toContain(`"${name}"`);
      }
    });
  });

  it('treats injection attempts in every string and path parameter as plain values', async () => {
    const before = await counts();
    const attacks = ["' OR 1=1 --", "x'; DROP TABLE findings; --", '"); SELECT * FROM records; --', '%27%20OR%20%271%27=%271', "syn-d2' OR '1'='1", '../../v1/rules'];
    for (const attack of attacks) {
      const v = encodeURIComponent(attack);
      for (const url of [`/v1/findings/${v}`, `/v1/events/${v}`, `/v1/events/syn-d2?cluster=${v}`, `/v1/identities/${v}`]) {
        const { status, body } = await get<{ error: string }>(url);
        expect(status, url).toBe(404);
        expect(body.error, url).toBe('not_found');
      }
      const creds = await get<{ items: unknown[] }>(`/v1/credentials?cluster=${v}`);
      expect(creds.status).toBe(200);
      expect(creds.body.items).toHaveLength(0);
      for (const param of ['groupBy', 'interval']) {
        expect((await get(`/v1/stats?groupBy=ruleId&${param}=${v}`)).status).toBe(400);
      }
    }
    expect(await counts()).toEqual(before);
    expect(before).toEqual({ r: stored.length, f: allFindings.length });
  });

  it('accepts long usernames in the path (OIDC subjects): 404, not 414', async () => {
    const long = encodeURIComponent(`https://issuer.example.com/${'x'.repeat(300)}`);
    expect((await get(`/v1/identities/${long}`)).status).toBe(404);
  });

  it('publishes the new paths in the OpenAPI document', async () => {
    const res = await app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/findings/{id}', '/v1/events/{auditId}', '/v1/stats', '/v1/identities/{user}', '/v1/credentials']),
    );
  });
});
