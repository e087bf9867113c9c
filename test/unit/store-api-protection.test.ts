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
