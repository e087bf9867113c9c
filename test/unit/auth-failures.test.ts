// Failed authentications are limited per client address (KAUDIT_AUTH_FAILURES_PER_MINUTE): past the limit an
// address gets 429 + Retry-After before its credentials are looked at (a right token too), on the webhook
// (connection closed, body never read, counted as status 429) and on the query API. The window runs on an
// injected clock.
import { mkdtempSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import { loadIngestConfig, loadStoreConfig } from '#shared/config';
import { createAuthFailures } from '#shared/auth';
import { listeningPort } from '#shared/http';
import { silentLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { auditEventOf, eventList } from '#shared/testing';
import { buildIngestApp } from '../../services/ingest/src/app.js';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens, ingestToken } from '../helpers/pipeline.js';
import { rawConnection } from '../helpers/raw-connection.js';
import { waitFor } from '../helpers/wait-for.js';

const minute = 60_000;

/** A clock the test moves. */
function clock(start = Date.parse('2026-05-01T12:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the failed-authentication limiter', () => {
  it('blocks an address once it has failed `perMinute` times in its window, until the window ends', () => {
    const c = clock();
    const limiter = createAuthFailures({ perMinute: 3, now: c.now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('10.0.0.1')).toBeUndefined();
      limiter.failed('10.0.0.1');
    }
    expect(limiter.blockedFor('10.0.0.1')).toBe(60);
    expect(limiter.blockedFor('10.0.0.2')).toBeUndefined();
    c.advance(45_500);
    expect(limiter.blockedFor('10.0.0.1')).toBe(15); // seconds until the window frees, rounded up
    c.advance(14_499);
    expect(limiter.blockedFor('10.0.0.1')).toBe(1);
    c.advance(1);
    expect(limiter.blockedFor('10.0.0.1')).toBeUndefined();
    // a new window: it takes the full count again
    limiter.failed('10.0.0.1');
    limiter.failed('10.0.0.1');
    expect(limiter.blockedFor('10.0.0.1')).toBeUndefined();
    limiter.failed('10.0.0.1');
    expect(limiter.blockedFor('10.0.0.1')).toBe(60);
  });

  it('counts failures spread over the window from its first failure (fixed window)', () => {
    const c = clock();
    const limiter = createAuthFailures({ perMinute: 2, now: c.now });
    limiter.failed('a');
    c.advance(50_000);
    limiter.failed('a');
    expect(limiter.blockedFor('a')).toBe(10);
    c.advance(10_000);
    expect(limiter.blockedFor('a')).toBeUndefined();
  });

  it('remembers at most maxAddresses: expired windows go first, then the oldest', () => {
    const c = clock();
    const limiter = createAuthFailures({ perMinute: 1, maxAddresses: 3, now: c.now });
    limiter.failed('old');
    c.advance(minute);
    for (const a of ['a', 'b', 'c']) {
      limiter.failed(a);
      c.advance(1_000);
    }
    expect(limiter.size()).toBe(3); // the expired 'old' made room
    expect(['a', 'b', 'c'].map((a) => limiter.blockedFor(a) !== undefined)).toEqual([true, true, true]);
    limiter.failed('d');
    expect(limiter.size()).toBe(3);
    expect(limiter.blockedFor('a')).toBeUndefined(); // the oldest dropped
    expect(['b', 'c', 'd'].map((a) => limiter.blockedFor(a) !== undefined)).toEqual([true, true, true]);
    for (let i = 0; i < 50; i++) limiter.failed(`x${String(i)}`);
    expect(limiter.size()).toBe(3);
  });

  it('refuses a limit or bound that is not a positive integer', () => {
    expect(() => createAuthFailures({ perMinute: 0 })).toThrow(RangeError);
    expect(() => createAuthFailures({ perMinute: 1.5 })).toThrow(RangeError);
    expect(() => createAuthFailures({ maxAddresses: 0 })).toThrow(RangeError);
  });
});

describe('KAUDIT_AUTH_FAILURES_PER_MINUTE', () => {
  const ingestEnv = { KAUDIT_INGEST_TOKENS: `${ingestToken.cluster}=${ingestToken.token}` };
  const storeEnv = { KAUDIT_API_TOKENS: `${apiTokens.admin.name}:admin=${apiTokens.admin.token}` };
  it('defaults to 20, is read by ingest and the store, and must be an integer 1..100000', () => {
    expect(loadIngestConfig(ingestEnv).authFailuresPerMinute).toBe(20);
    expect(loadStoreConfig(storeEnv).authFailuresPerMinute).toBe(20);
    expect(loadIngestConfig({ ...ingestEnv, KAUDIT_AUTH_FAILURES_PER_MINUTE: '5' }).authFailuresPerMinute).toBe(5);
    expect(loadStoreConfig({ ...storeEnv, KAUDIT_AUTH_FAILURES_PER_MINUTE: '100000' }).authFailuresPerMinute).toBe(100_000);
    for (const bad of ['0', '100001', '2.5', 'many']) {
      expect(() => loadStoreConfig({ ...storeEnv, KAUDIT_AUTH_FAILURES_PER_MINUTE: bad }), bad).toThrow(/KAUDIT_AUTH_FAILURES_PER_MINUTE/);
    }
  });
});

describe('ingest: failed authentications per address', () => {
  const topics = topicNames('af.');
  let bus: Bus | undefined;
  let app: FastifyInstance | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await app?.close();
    await bus?.close();
  });

  async function start(perMinute: number, c = clock()) {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-af-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const built = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit: 1024 * 1024, logger: silentLogger(), authFailures: createAuthFailures({ perMinute, now: c.now }) });
    app = built;
    return built;
  }
  const body = () => JSON.stringify(eventList([auditEventOf({ auditID: `af-${String(Math.random())}` })]));
  const post = (a: FastifyInstance, token: string | undefined, remoteAddress = '192.0.2.10') =>
    a.inject({ method: 'POST', url: '/v1/webhook', remoteAddress, payload: body(), headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } });

  it('answers 429 with Retry-After once an address has failed the limit, a right token too, and counts it as status 429', async () => {
    const c = clock();
    const a = await start(3, c);
    for (let i = 0; i < 3; i++) expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    c.advance(20_000);
    const blocked = await post(a, ingestToken.token);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('40');
    expect(blocked.headers.connection).toBe('close');
    expect(blocked.json()).toEqual({ error: 'too_many_requests', message: 'too many failed authentications from this address; retry after 40 s' });
    // another address is not affected
    expect((await post(a, ingestToken.token, '192.0.2.11')).statusCode).toBe(200);
    const metrics = (await a.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/kaudit_ingest_batches_total\{status="429"[^}]*\} 1\n/);
    expect(metrics).toMatch(/kaudit_ingest_batches_total\{status="401"[^}]*\} 3\n/);
    // the window ends: the right token gets through again
    c.advance(40_000);
    expect((await post(a, ingestToken.token)).statusCode).toBe(200);
  });

  it('counts neither successes nor requests without credentials, and a success resets nothing', async () => {
    const a = await start(3);
    for (let i = 0; i < 10; i++) expect((await post(a, undefined)).statusCode).toBe(401);
    expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await post(a, ingestToken.token)).statusCode).toBe(200);
    expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await post(a, ingestToken.token)).statusCode).toBe(429);
  });

  it('refuses a blocked address before reading its body and closes the connection', async () => {
    const a = await start(1);
    await a.listen({ host: '127.0.0.1', port: 0 });
    const port = listeningPort(a.server);
    const wrong = await fetch(`http://127.0.0.1:${String(port)}/v1/webhook`, { method: 'POST', headers: { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'application/json' }, body: body() });
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    // headers of a 1 MB body and one byte of it: the answer comes without the rest
    const { socket, answer, closed } = rawConnection(port, sockets);
    socket.write(`POST /v1/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\nAuthorization: Bearer ${ingestToken.token}\r\n\r\n[`);
    await waitFor(() => closed(), { what: 'the connection closed', timeoutMs: 5_000 });
    expect(answer()).toMatch(/^HTTP\/1\.1 429 /);
    expect(answer().toLowerCase()).toContain('connection: close');
    expect(answer().toLowerCase()).toMatch(/retry-after: \d+/);
  });

  it('takes KAUDIT_AUTH_FAILURES_PER_MINUTE through buildIngestApp (authFailuresPerMinute)', async () => {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-af-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const a = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit: 1024 * 1024, logger: silentLogger(), authFailuresPerMinute: 2 });
    app = a;
    expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await post(a, ingestToken.token)).statusCode).toBe(429);
  });

  it('allows 20 failures per address by default', async () => {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-af-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const a = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit: 1024 * 1024, logger: silentLogger() });
    app = a;
    for (let i = 0; i < 20; i++) expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await post(a, 'wrong-token-0123456789')).statusCode).toBe(429);
  });
});

describe('query API: failed authentications per address', () => {
  let db: Database | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await db?.close();
  });
  async function start(deps: Partial<Parameters<typeof buildStoreApp>[0]>) {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-afs-')), 'k.duckdb'));
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, rateLimitPerMinute: 10_000, ...deps });
    return app;
  }
  const get = (a: FastifyInstance, token: string | undefined, remoteAddress = '198.51.100.7', url = '/v1/rules') =>
    a.inject({ url, remoteAddress, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('answers 429 with Retry-After to an address past the limit, before the token is checked, per address', async () => {
    const c = clock();
    const a = await start({ authFailures: createAuthFailures({ perMinute: 4, now: c.now }) });
    // different wrong tokens: the per-token rate limit would never see them as one caller
    for (let i = 0; i < 4; i++) expect((await get(a, `guess-${String(i)}-0123456789`)).statusCode).toBe(401);
    c.advance(1_000);
    const blocked = await get(a, apiTokens.admin.token);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('59');
    expect(blocked.json()).toEqual({ error: 'too_many_requests', message: 'too many failed authentications from this address; retry after 59 s' });
    expect((await get(a, apiTokens.admin.token, '198.51.100.8')).statusCode).toBe(200);
    // probes stay open to the blocked address
    expect((await a.inject({ url: '/healthz', remoteAddress: '198.51.100.7' })).statusCode).toBe(200);
    c.advance(59_000);
    expect((await get(a, apiTokens.admin.token)).statusCode).toBe(200);
  });

  it('counts neither successes nor requests without a token; a 403 is no failed authentication', async () => {
    const a = await start({ authFailures: createAuthFailures({ perMinute: 2 }) });
    for (let i = 0; i < 5; i++) expect((await get(a, undefined)).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await get(a, apiTokens.viewer.token, undefined, '/v1/events')).statusCode).toBe(403);
    expect((await get(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await get(a, apiTokens.viewer.token)).statusCode).toBe(200);
    expect((await get(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await get(a, apiTokens.viewer.token)).statusCode).toBe(429);
  });

  it('takes the limit from authFailuresPerMinute', async () => {
    const a = await start({ authFailuresPerMinute: 1 });
    expect((await get(a, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await get(a, apiTokens.admin.token)).statusCode).toBe(429);
  });
});
