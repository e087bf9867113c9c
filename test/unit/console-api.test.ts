// The query API's parts the console uses, over a real DuckDB file: session sign-in and expiry, CSRF on
// writes made with a session, the streamed export across many pages.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Finding } from '#shared/contracts';
import { createLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { buildStoreApp } from '../../services/store/src/app.js';
import { createSessions } from '../../services/store/src/console/sessions.js';
import { apiTokens } from '../helpers/pipeline.js';

const findings: Finding[] = Array.from({ length: 2500 }, (_, i) => ({
  id: `x${String(i).padStart(5, '0')}`,
  ruleId: i % 2 === 0 ? 'stale-token' : 'anonymous-request-allowed',
  title: 't',
  severity: i % 2 === 0 ? 'low' : 'high',
  category: 'credentials',
  mitre: ['T1078'],
  cluster: 'east',
  auditId: `a${String(i)}`,
  stage: 'ResponseComplete',
  eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 4))).toISOString(),
  user: i % 5 === 0 ? 'mallory' : 'alice',
  groups: ['system:authenticated'],
  sourceIps: ['10.0.0.1'],
  userAgent: 'kubectl, "quoted"',
  verb: 'get',
  apiGroup: '',
  resource: 'secrets',
  subresource: null,
  namespace: 'prod',
  name: null,
  decision: 'allow',
  responseCode: 200,
  summary: 'line one,\nline two',
  evidence: { i, nested: { ok: true } },
}));

describe('console API', () => {
  let db: Database;
  let app: FastifyInstance;
  let clock = Date.UTC(2026, 0, 2);
  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-console-api-')), 'k.duckdb'));
    await db.write({ records: [], findings });
    const sessions = createSessions({ ttlMs: 3600_000, now: () => clock });
    app = await buildStoreApp({ db, sessions, tokens: Object.values(apiTokens), logger: createLogger({ name: 't', level: 'error' }), isReady: () => true });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  async function signIn(token: string) {
    const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    const cookie = res.cookies.find((c) => c.name === 'kaudit_session');
    return { res, cookie: `kaudit_session=${cookie?.value ?? ''}`, csrf: res.json<{ csrfToken?: string }>().csrfToken ?? '' };
  }

  it('a token opens a session whose cookie stands for it until it expires', async () => {
    const wrong = await signIn('nope');
    expect(wrong.res.statusCode).toBe(401);
    const { res, cookie } = await signIn(apiTokens.analyst.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: apiTokens.analyst.name, role: 'analyst' });
    const set = res.cookies[0];
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 3600 });
    expect((await app.inject({ url: '/v1/events', headers: { cookie } })).statusCode).toBe(200);
    clock += 3600_000;
    expect((await app.inject({ url: '/v1/events', headers: { cookie } })).statusCode).toBe(401);
  });

  it('a viewer’s session has the viewer’s limits', async () => {
    const { cookie } = await signIn(apiTokens.viewer.token);
    expect((await app.inject({ url: '/v1/findings', headers: { cookie } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/events', headers: { cookie } })).statusCode).toBe(403);
  });

  it('a write made with a session needs its CSRF token; a bearer token needs none', async () => {
    const { cookie, csrf } = await signIn(apiTokens.viewer.token);
    expect((await app.inject({ method: 'POST', url: '/v1/session/end', headers: { cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/v1/session/end', headers: { cookie, 'x-kaudit-csrf': `${csrf}x` } })).statusCode).toBe(403);
    const ended = await app.inject({ method: 'POST', url: '/v1/session/end', headers: { cookie, 'x-kaudit-csrf': csrf } });
    expect(ended.json()).toEqual({ ended: true });
    expect((await app.inject({ url: '/v1/findings', headers: { cookie } })).statusCode).toBe(401);
    // an Authorization header is never mixed with a session: a bad one is refused even beside a live cookie
    const live = await signIn(apiTokens.viewer.token);
    expect((await app.inject({ url: '/v1/findings', headers: { cookie: live.cookie, authorization: 'Bearer wrong' } })).statusCode).toBe(401);
  });

  it('exports every finding of a filter across many pages, newest first, as NDJSON and CSV', async () => {
    const auth = { authorization: `Bearer ${apiTokens.viewer.token}` };
    const nd = await app.inject({ url: '/v1/findings/export', headers: auth });
    expect(nd.headers['content-type']).toContain('application/x-ndjson');
    expect(nd.headers['content-disposition']).toMatch(/^attachment; filename="kaudit-findings-.+\.ndjson"$/);
    const ids = nd.body.trimEnd().split('\n').map((l) => (JSON.parse(l) as Finding).id);
    expect(ids).toEqual(findings.map((f) => f.id).reverse());

    const csv = await app.inject({ url: '/v1/findings/export?format=csv&user=mallory&severity=high', headers: auth });
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = parseCsv<Record<string, string>>(csv.body, { columns: true });
    const expected = findings.filter((f) => f.user === 'mallory' && f.severity === 'high');
    expect(rows.map((r) => r.id)).toEqual(expected.map((f) => f.id).reverse());
    expect(rows[0]).toMatchObject({ userAgent: 'kubectl, "quoted"', summary: 'line one,\nline two', subresource: '' });
    expect(JSON.parse(rows[0]?.evidence ?? '')).toEqual(expected.at(-1)?.evidence);
    expect(JSON.parse(rows[0]?.mitre ?? '')).toEqual(['T1078']);
  });
});
