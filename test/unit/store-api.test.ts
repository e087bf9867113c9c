// The query API over a real DuckDB file (no Kafka needed here): filters, keyset pagination, roles,
// parameter errors, injection attempts, idempotent writes. Records come from the engine run over
// ../shared/corpus (audit2rbac capture) and a Falco trace.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord, RecordMessage } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { createLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { corpusLines, envelopeOf } from '#shared/testing';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens } from '../helpers/pipeline.js';
import { apiGetter } from '../helpers/inject.js';


function analyzed(): { records: RecordMessage[]; findings: Finding[] } {
  const events = [...corpusLines('audit2rbac/demo.log'), ...corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json')];
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  events.forEach((e, i) => {
    const cluster = i % 2 === 0 ? 'east' : 'west';
    // a fresh engine per event keeps cluster-wide stateful rules (audit-silence) out of these fixtures
    const a = createEngine().analyze(envelopeOf(e, cluster));
    records.push({ record: a.record, event: e as Record<string, unknown> });
    findings.push(...a.findings);
  });
  return { records, findings };
}

/** Findings made for the test: one per rule id and severity, spread over time. */
function syntheticFindings(n: number): Finding[] {
  const ruleIds = ['anonymous-request-allowed', 'stale-token', 'plaintext-proxy'];
  const severities = ['low', 'medium', 'high', 'critical'] as const;
  return Array.from({ length: n }, (_, i) => ({
    id: `f${String(i).padStart(4, '0')}`,
    ruleId: ruleIds[i % 3] ?? 'stale-token',
    title: 't',
    severity: severities[i % 4] ?? 'low',
    category: 'credentials',
    mitre: ['T1078'],
    cluster: i % 2 === 0 ? 'east' : 'west',
    auditId: `a${String(i)}`,
    stage: 'ResponseComplete',
    // several findings share a timestamp: pagination must still neither skip nor repeat
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 3))).toISOString(),
    user: i % 5 === 0 ? 'mallory' : 'alice',
    groups: ['system:authenticated'],
    sourceIps: ['10.0.0.1'],
    userAgent: null,
    verb: 'get',
    apiGroup: '',
    resource: 'secrets',
    subresource: null,
    namespace: i % 2 === 0 ? 'prod' : 'dev',
    name: null,
    decision: 'allow',
    responseCode: 200,
    summary: 's',
    evidence: { i },
  }));
}

describe('query API', () => {
  let db: Database;
  let app: FastifyInstance;
  const data = analyzed();
  const synthetic = syntheticFindings(250);

  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-store-')), 'k.duckdb'));
    await db.write({ records: data.records, findings: [...data.findings, ...synthetic] });
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: createLogger({ name: 't', level: 'error' }), isReady: () => true });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const get = apiGetter(() => app);

  it('writes idempotently: the same rows again change nothing', async () => {
    const again = await db.write({ records: data.records, findings: synthetic });
    expect(again).toEqual({ records: 0, findings: 0 });
    const [row] = await db.query('SELECT count(*)::INTEGER AS n FROM records');
    expect(row?.n).toBe(data.records.length);
  });

  it('lists findings newest first and pages through all of them without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/findings?limit=40${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get<{ items: Finding[]; nextCursor: string | null }>(url);
      expect(status).toBe(200);
      seen.push(...body.items.map((f) => f.id));
      const times = body.items.map((f) => f.eventTime);
      expect([...times].sort().reverse()).toEqual(times);
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(Math.ceil((synthetic.length + data.findings.length) / 40));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(synthetic.length + data.findings.length);
  });

  it('filters findings by time, minimum severity, repeated ruleId, cluster, user and namespace', async () => {
    const q = async (query: string) => (await get<{ items: Finding[] }>(`/v1/findings?limit=1000&${query}`)).body.items;
    const since = '2026-01-01T01:00:00Z';
    const until = '2026-01-01T02:00:00+00:00';
    const inWindow = await q(`since=${since}&until=${encodeURIComponent(until)}`);
    expect(inWindow).toHaveLength(synthetic.filter((f) => f.eventTime >= '2026-01-01T01:00' && f.eventTime < '2026-01-01T02:00').length);
    expect((await q('severity=high')).every((f) => f.severity === 'high' || f.severity === 'critical')).toBe(true);
    expect(await q('severity=critical')).toHaveLength(synthetic.filter((f) => f.severity === 'critical').length);
    const two = await q('ruleId=stale-token&ruleId=plaintext-proxy');
    expect(new Set(two.map((f) => f.ruleId))).toEqual(new Set(['stale-token', 'plaintext-proxy']));
    expect(await q('ruleId=stale-token')).toHaveLength(synthetic.filter((f) => f.ruleId === 'stale-token').length);
    expect(await q('cluster=west&user=mallory&namespace=dev')).toHaveLength(
      synthetic.filter((f) => f.cluster === 'west' && f.user === 'mallory' && f.namespace === 'dev').length,
    );
    // Falco's hand-edited anonymous trace also carries group system:masters
    const anon = await q('user=system:anonymous');
    expect(anon.map((f) => f.ruleId).sort()).toEqual(['anonymous-request-allowed', 'system-masters-used']);
    expect(anon.find((f) => f.ruleId === 'anonymous-request-allowed')?.evidence).toMatchObject({ verb: 'create' });
  });

  it('serves normalized records to analysts with filters', async () => {
    const { status, body } = await get<{ items: NormalizedRecord[] }>('/v1/events?limit=1000&responseCode=403', apiTokens.analyst);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(11);
    expect(body.items.every((r) => r.responseCode === 403)).toBe(true);
    const bob = await get<{ items: NormalizedRecord[] }>('/v1/events?limit=1000&verb=list&cluster=east&user=system:admin');
    expect(bob.body.items.length).toBeGreaterThan(0);
    expect(bob.body.items.every((r) => r.verb === 'list' && r.cluster === 'east' && Array.isArray(r.groups))).toBe(true);
    const page1 = await get<{ items: NormalizedRecord[]; nextCursor: string }>('/v1/events?limit=10');
    const page2 = await get<{ items: NormalizedRecord[] }>(`/v1/events?limit=10&cursor=${page1.body.nextCursor}`);
    const ids = [...page1.body.items, ...page2.body.items].map((r) => `${r.cluster}/${r.auditId}/${r.stage}`);
    expect(new Set(ids).size).toBe(20);
  });

  it('answers 401 without a valid token and 403 below the required role', async () => {
    expect((await app.inject({ url: '/v1/findings' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/findings', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
    expect((await get('/v1/findings', apiTokens.viewer)).status).toBe(200);
    expect((await get('/v1/events', apiTokens.viewer)).status).toBe(403);
    expect((await get('/v1/events', apiTokens.analyst)).status).toBe(200);
  });

  it('answers 400 naming the bad parameter', async () => {
    const cases: [string, string][] = [
      ['/v1/findings?limit=0', 'limit'],
      ['/v1/findings?limit=5000', 'limit'],
      ['/v1/findings?since=yesterday', 'since'],
      ['/v1/findings?severity=urgent', 'severity'],
      ['/v1/findings?cursor=garbage', 'cursor'],
      ['/v1/events?responseCode=abc', 'responseCode'],
      ['/v1/events?decision=maybe', 'decision'],
    ];
    for (const [url, name] of cases) {
      const { status, body } = await get<{ message: string }>(url);
      expect(status, url).toBe(400);
      expect(body.message, url).toContain(`"${name}"`);
    }
  });

  it('treats injection attempts in every string parameter as plain values', async () => {
    const attacks = ["' OR 1=1 --", "x'; DROP TABLE findings; --", '"); SELECT * FROM records; --', '%27%20OR%20%271%27=%271'];
    for (const attack of attacks) {
      const v = encodeURIComponent(attack);
      for (const param of ['ruleId', 'cluster', 'user', 'namespace']) {
        const { status, body } = await get<{ items: unknown[] }>(`/v1/findings?${param}=${v}`);
        expect(status).toBe(200);
        expect(body.items).toHaveLength(0);
      }
      for (const param of ['cluster', 'user', 'verb', 'resource', 'namespace', 'clientIp']) {
        const { status, body } = await get<{ items: unknown[] }>(`/v1/events?${param}=${v}`);
        expect(status).toBe(200);
        expect(body.items).toHaveLength(0);
      }
    }
    const [row] = await db.query('SELECT count(*)::INTEGER AS n FROM findings');
    expect(row?.n).toBe(synthetic.length + data.findings.length);
  });

  it('serves the rule catalogue to viewers', async () => {
    const { status, body } = await get<{ items: { id: string; enabled: boolean; severity: string }[] }>('/v1/rules', apiTokens.viewer);
    expect(status).toBe(200);
    expect(body.items.find((r) => r.id === 'anonymous-request-allowed')).toMatchObject({ enabled: true, severity: 'high' });
    expect((await app.inject({ url: '/v1/rules' })).statusCode).toBe(401);
  });

  it('publishes an OpenAPI document listing the endpoints', async () => {
    const res = await app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/findings', '/v1/events', '/v1/rules']));
  });
});
