// Guarantees of the query API's edge: security headers on every response, and a rate limit per caller
// (429 + Retry-After) that one caller exhausting cannot impose on another; health endpoints stay exempt.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens } from '../helpers/pipeline.js';

describe('query API protection', () => {
  let db: Database;
  let app: FastifyInstance;
  const limit = 5;
  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-prot-')), 'k.duckdb'));
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, rateLimitPerMinute: limit });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('sends security headers (nosniff, no framing, no referrer, HSTS, CSP) on API, error and docs responses', async () => {
    for (const [url, headers] of [
      ['/v1/rules', as(apiTokens.viewer.token)],
      ['/v1/rules', {}],
      ['/docs/json', {}],
    ] as const) {
      const res = await app.inject({ url, headers });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['strict-transport-security'], url).toMatch(/max-age=\d+/);
      // the /docs UI brings its own static CSP
      expect(res.headers['content-security-policy'], url).toContain(url.startsWith('/v1') ? "frame-ancestors 'none'" : "default-src 'self'");
    }
  });

  it('answers 429 with Retry-After once a caller exceeds its per-minute limit, per token, health exempt (rate limit on the query API)', async () => {
    const admin = as(apiTokens.admin.token);
    for (let i = 0; i < limit; i++) expect((await app.inject({ url: '/v1/rules', headers: admin })).statusCode).toBe(200);
    const over = await app.inject({ url: '/v1/rules', headers: admin });
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json()).toMatchObject({ error: 'too_many_requests' });
    // another caller still gets through, and so do the probes
    expect((await app.inject({ url: '/v1/rules', headers: as(apiTokens.analyst.token) })).statusCode).toBe(200);
    for (let i = 0; i < limit + 2; i++) expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('query API parameters that are no time the store holds', () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-params-')), 'k.duckdb'));
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, rateLimitPerMinute: 10_000 });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('answers 400 naming the parameter for tampered cursors and far-future times, never 500', async () => {
    const headers = { authorization: `Bearer ${apiTokens.analyst.token}` };
    const tampered = [b64(['+275760-09-13T00:00:00.000Z', 'x']), b64(['2026-02-30T00:00:00Z', 'x']), b64(['2026-01-01T00:00:00Z', 'k'.repeat(5000)]), 'not-base64!', b64({ a: 1 })];
    for (const url of ['/v1/findings', '/v1/events', '/v1/credentials']) {
      for (const cursor of tampered) {
        const r = await app.inject({ url: `${url}?cursor=${encodeURIComponent(cursor)}`, headers });
        expect(r.statusCode, `${url} ${cursor.slice(0, 20)}`).toBe(400);
        expect(r.body).toContain('cursor');
      }
    }
    for (const since of ['9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00Z']) {
      for (const url of ['/v1/findings', '/v1/events', '/v1/stats']) {
        const r = await app.inject({ url: `${url}?since=${encodeURIComponent(since)}`, headers });
        expect(r.statusCode, `${url} ${since}`).toBe(400);
        expect(r.body).toContain('since');
      }
    }
    // and a real far-away time still works
    expect((await app.inject({ url: `/v1/findings?since=${encodeURIComponent('9999-12-31T00:00:00Z')}`, headers })).statusCode).toBe(200);
  });
});
