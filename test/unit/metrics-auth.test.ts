// KAUDIT_METRICS_TOKEN(_FILE): when set, /metrics on ingest, the query API and the analyzer's port needs
// `Authorization: Bearer <token>` (401 with a Bearer challenge otherwise); /healthz and /readyz stay open.
// Unset, /metrics is open as before. Wrong tokens count against the address like other failed authentications.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import { loadAnalyzerConfig, loadIngestConfig, loadStoreConfig } from '#shared/config';
import { createAuthFailures } from '#shared/auth';
import { listeningPort } from '#shared/http';
import { createMetricsRegistry } from '#shared/metrics';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { runAnalyzer, serveAnalyzerHealth } from '../../services/analyzer/src/service.js';
import { buildIngestApp } from '../../services/ingest/src/app.js';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens, ingestToken } from '../helpers/pipeline.js';

const metricsToken = 'metrics-token-0123456789abcdef';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** The answers of /metrics without, with a wrong and with the right token, and of the probes without one. */
async function probe(get: (url: string, headers?: Record<string, string>) => Promise<{ status: number; headers: Record<string, string | string[] | number | undefined>; body: string }>) {
  return {
    none: await get('/metrics'),
    wrong: await get('/metrics', bearer('not-the-metrics-token-000')),
    basic: await get('/metrics', { authorization: `Basic ${Buffer.from(`x:${metricsToken}`).toString('base64')}` }),
    right: await get('/metrics', bearer(metricsToken)),
    healthz: await get('/healthz'),
    readyz: await get('/readyz'),
  };
}

function expectProtected(r: Awaited<ReturnType<typeof probe>>, service: string) {
  for (const refused of [r.none, r.wrong, r.basic]) {
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="kaudit-metrics"');
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'unauthorized' });
    expect(refused.body).not.toContain('process_cpu_user_seconds_total');
  }
  expect(r.right.status).toBe(200);
  expect(r.right.body).toContain(`service="${service}"`);
  expect(r.healthz.status).toBe(200);
  expect(r.readyz.status).toBe(200);
}

const injector = (app: FastifyInstance) => async (url: string, headers: Record<string, string> = {}) => {
  const res = await app.inject({ url, headers });
  return { status: res.statusCode, headers: res.headers, body: res.body };
};

describe('/metrics with KAUDIT_METRICS_TOKEN', () => {
  const topics = topicNames('ma.');
  let bus: Bus | undefined;
  let db: Database | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await bus?.close();
    await db?.close();
    app = bus = db = undefined;
  });
  async function startBus() {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-ma-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    return bus;
  }

  it('ingest: needs the bearer token; the probes stay open', async () => {
    const b = await startBus();
    app = buildIngestApp({ bus: b, topics, tokens: [ingestToken], bodyLimit: 64 * 1024, logger: silentLogger(), metricsToken });
    const r = await probe(injector(app));
    expectProtected(r, 'ingest');
    expect(r.right.body).toContain('kaudit_ingest_batches_total');
    // an ingest token is no metrics token
    expect((await app.inject({ url: '/metrics', headers: bearer(ingestToken.token) })).statusCode).toBe(401);
  });

  it('ingest without a token: /metrics is open', async () => {
    const b = await startBus();
    app = buildIngestApp({ bus: b, topics, tokens: [ingestToken], bodyLimit: 64 * 1024, logger: silentLogger() });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('kaudit_ingest_batches_total');
  });

  it('query API: needs the bearer token (an API token, even admin, is not it); other registries appended behind it', async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-ma-')), 'k.duckdb'));
    const analyzer = createMetricsRegistry('analyzer', { processMetrics: false });
    new Counter({ name: 'kaudit_test_appended_total', help: 'a metric of another service', registers: [analyzer] }).inc();
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, metricsToken, moreMetrics: [analyzer] });
    const r = await probe(injector(app));
    expectProtected(r, 'store');
    expect(r.right.body).toContain('kaudit_test_appended_total{service="analyzer"} 1');
    expect((await app.inject({ url: '/metrics', headers: bearer(apiTokens.admin.token) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/rules', headers: bearer(apiTokens.viewer.token) })).statusCode).toBe(200);
  });

  it('query API without a token: /metrics is open', async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-ma-')), 'k.duckdb'));
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('counts wrong metrics tokens against the address: past the limit even the right one gets 429', async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-ma-')), 'k.duckdb'));
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, metricsToken, authFailures: createAuthFailures({ perMinute: 2 }) });
    for (let i = 0; i < 2; i++) expect((await app.inject({ url: '/metrics', headers: bearer(`guess-${String(i)}-0123456789`) })).statusCode).toBe(401);
    const blocked = await app.inject({ url: '/metrics', headers: bearer(metricsToken) });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // the count is shared with the API's authentication
    expect((await app.inject({ url: '/v1/rules', headers: bearer(apiTokens.admin.token) })).statusCode).toBe(429);
    expect((await app.inject({ url: '/metrics', headers: bearer(metricsToken), remoteAddress: '203.0.113.5' })).statusCode).toBe(200);
  });

  it('analyzer health port: KAUDIT_METRICS_TOKEN from the environment protects its /metrics', async () => {
    const b = await startBus();
    const lifecycle = createLifecycle({ logger: silentLogger(), exit: () => undefined });
    try {
      const config = loadAnalyzerConfig({ KAUDIT_ANALYZER_PORT: '0', KAUDIT_TOPIC_PREFIX: 'ma.', KAUDIT_METRICS_TOKEN: metricsToken });
      const registry = createMetricsRegistry('analyzer');
      const analyzer = await runAnalyzer({ config, bus: b, logger: silentLogger(), lifecycle, registry });
      const health = await serveAnalyzerHealth({ config, bus: b, logger: silentLogger(), lifecycle, registry, analyzer });
      const base = `http://127.0.0.1:${String(listeningPort(health.server))}`;
      const r = await probe(async (url, headers = {}) => {
        const res = await fetch(`${base}${url}`, { headers });
        return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
      });
      expectProtected(r, 'analyzer');
    } finally {
      await lifecycle.shutdown('test');
    }
  });
});

describe('KAUDIT_METRICS_TOKEN configuration', () => {
  const ingestEnv = { KAUDIT_INGEST_TOKENS: `${ingestToken.cluster}=${ingestToken.token}` };
  const storeEnv = { KAUDIT_API_TOKENS: `${apiTokens.admin.name}:admin=${apiTokens.admin.token}` };

  it('is read by every service, trimmed; unset or empty means none', () => {
    expect(loadIngestConfig({ ...ingestEnv, KAUDIT_METRICS_TOKEN: metricsToken }).metricsToken).toBe(metricsToken);
    expect(loadStoreConfig({ ...storeEnv, KAUDIT_METRICS_TOKEN: ` ${metricsToken}\n` }).metricsToken).toBe(metricsToken);
    expect(loadAnalyzerConfig({ KAUDIT_METRICS_TOKEN: metricsToken }).metricsToken).toBe(metricsToken);
    expect(loadIngestConfig(ingestEnv).metricsToken).toBeUndefined();
    expect(loadStoreConfig({ ...storeEnv, KAUDIT_METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(loadAnalyzerConfig({}).metricsToken).toBeUndefined();
  });

  it('is read from KAUDIT_METRICS_TOKEN_FILE; an unreadable file names the variable', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-mt-')), 'metrics-token');
    writeFileSync(file, `${metricsToken}\n`);
    expect(loadStoreConfig({ ...storeEnv, KAUDIT_METRICS_TOKEN_FILE: file }).metricsToken).toBe(metricsToken);
    expect(loadAnalyzerConfig({ KAUDIT_METRICS_TOKEN_FILE: file }).metricsToken).toBe(metricsToken);
    expect(() => loadAnalyzerConfig({ KAUDIT_METRICS_TOKEN_FILE: `${file}.missing` })).toThrow(/KAUDIT_METRICS_TOKEN_FILE/);
  });

  it('refuses a token shorter than 16 characters, or with whitespace, naming the variable', () => {
    expect(() => loadIngestConfig({ ...ingestEnv, KAUDIT_METRICS_TOKEN: 'short-token' })).toThrow(/KAUDIT_METRICS_TOKEN: must be at least 16 characters/);
    expect(() => loadAnalyzerConfig({ KAUDIT_METRICS_TOKEN: 'fifteen-chars-x' })).toThrow(/KAUDIT_METRICS_TOKEN/);
    expect(loadAnalyzerConfig({ KAUDIT_METRICS_TOKEN: 'sixteen-chars-xy' }).metricsToken).toBe('sixteen-chars-xy');
    expect(() => loadStoreConfig({ ...storeEnv, KAUDIT_METRICS_TOKEN: 'two words of a metrics token' })).toThrow(/KAUDIT_METRICS_TOKEN: must not contain whitespace/);
  });
});
