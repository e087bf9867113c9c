// TLS and mTLS with real certificates made in the test by deploy/make-certs.sh (openssl): ingest over HTTPS
// authenticates clusters by client certificate (CN → cluster) or bearer token, refuses certificates of
// another CA and plain HTTP on its TLS port; the query API serves HTTPS; plain-HTTP ingest is refused unless
// explicitly allowed, and then only on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import { loadIngestConfig, loadStandaloneConfig, needsGeneratedTls } from '#shared/config';
import type { Envelope } from '#shared/contracts';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { auditEventOf, eventList, repoRoot } from '#shared/testing';
import { buildIngestApp } from '../../services/ingest/src/app.js';
import { runIngest } from '../../services/ingest/src/service.js';
import { buildStoreApp } from '../../services/store/src/app.js';
import { listeningPort } from '#shared/http';
import { apiTokens, ingestToken } from '../helpers/pipeline.js';

const makeCerts = (dir: string, ...args: string[]) => execFileSync('bash', [path.join(repoRoot, 'deploy', 'make-certs.sh'), dir, ...args], { encoding: 'utf8' });

interface Reply {
  status: number;
  body: string;
}
function post(port: number, opts: { ca: string; cert?: string; key?: string; token?: string; body: unknown; path?: string; method?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/v1/webhook',
        method: opts.method ?? 'POST',
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('TLS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-tls-'));
  const other = mkdtempSync(path.join(os.tmpdir(), 'kaudit-tls-other-'));
  const read = (d: string, f: string) => readFileSync(path.join(d, f), 'utf8');
  let bus: Bus;
  let ingest: FastifyInstance;
  let port: number;
  const topics = topicNames('tls.');

  beforeAll(async () => {
    makeCerts(dir, 'localhost', '127.0.0.1', '--client', 'prod-eu', '--client', 'unmapped');
    makeCerts(other, '--client', 'prod-eu'); // same CN, another CA
    bus = createEmbeddedBus({ dir: path.join(dir, 'bus'), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    ingest = buildIngestApp({
      bus,
      topics,
      tokens: [ingestToken],
      bodyLimit: 1 << 20,
      logger: silentLogger(),
      https: { cert: read(dir, 'server.crt'), key: read(dir, 'server.key'), clientCa: read(dir, 'ca.crt') },
      clientCertClusters: new Map([['prod-eu', 'prod-eu']]),
    });
    await ingest.listen({ host: '127.0.0.1', port: 0 });
    port = listeningPort(ingest.server);
  });
  afterAll(async () => {
    await ingest.close();
    await bus.close();
  });

  const body = (auditID: string) => eventList([auditEventOf({ auditID })]);
  const envelopes = async () => (await bus.readAll(topics.events)).map((m) => JSON.parse(m.value.toString('utf8')) as Envelope);

  it('authenticates a cluster by its client certificate (mTLS): CN mapped to the cluster, subject kept with the events', async () => {
    const r = await post(port, { ca: read(dir, 'ca.crt'), cert: read(dir, 'client-prod-eu.crt'), key: read(dir, 'client-prod-eu.key'), body: body('by-cert') });
    expect(r.status).toBe(200);
    const e = (await envelopes()).find((x) => x.event.auditID === 'by-cert');
    expect(e).toMatchObject({ cluster: 'prod-eu', transport: { tls: true, clientCertSubject: 'CN=prod-eu' } });
  });

  it('accepts a bearer token over TLS without a client certificate', async () => {
    const r = await post(port, { ca: read(dir, 'ca.crt'), token: ingestToken.token, body: body('by-token') });
    expect(r.status).toBe(200);
    expect((await envelopes()).find((x) => x.event.auditID === 'by-token')).toMatchObject({ cluster: ingestToken.cluster, transport: { tls: true } });
  });

  it('refuses a certificate of another CA, an unmapped CN, and no credentials at all (401); nothing is written', async () => {
    const before = (await envelopes()).length;
    const foreign = await post(port, { ca: read(dir, 'ca.crt'), cert: read(other, 'client-prod-eu.crt'), key: read(other, 'client-prod-eu.key'), body: body('foreign') });
    expect(foreign.status).toBe(401);
    const unmapped = await post(port, { ca: read(dir, 'ca.crt'), cert: read(dir, 'client-unmapped.crt'), key: read(dir, 'client-unmapped.key'), body: body('unmapped') });
    expect(unmapped.status).toBe(401);
    expect((await post(port, { ca: read(dir, 'ca.crt'), body: body('nobody') })).status).toBe(401);
    expect((await envelopes()).length).toBe(before);
  });

  it('does not speak plain HTTP on the TLS port', async () => {
    await expect(fetch(`http://127.0.0.1:${String(port)}/healthz`)).rejects.toThrow();
  });

  it('serves the query API over HTTPS', async () => {
    let db: Database | undefined;
    let api: FastifyInstance | undefined;
    try {
      db = await openDatabase(path.join(dir, 'k.duckdb'));
      api = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, https: { cert: read(dir, 'server.crt'), key: read(dir, 'server.key') } });
      await api.listen({ host: '127.0.0.1', port: 0 });
      const r = await post(listeningPort(api.server), { ca: read(dir, 'ca.crt'), token: apiTokens.viewer.token, method: 'GET', path: '/v1/rules', body: undefined });
      expect(r.status).toBe(200);
      expect(r.body).toContain('anonymous-request-allowed');
    } finally {
      await api?.close();
      await db?.close();
    }
  });
});

describe('plain-HTTP ingest', () => {
  const base = { KAUDIT_INGEST_TOKENS: `${ingestToken.cluster}=${ingestToken.token}`, KAUDIT_INGEST_PORT: '0' };
  const start = async (env: Record<string, string>) => {
    const lifecycle = createLifecycle({ logger: silentLogger() });
    const bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-plain-')), topics: allTopics(topicNames('p.')), logger: silentLogger() });
    await bus.start();
    try {
      const app = await runIngest({ config: loadIngestConfig({ ...base, ...env }), bus, logger: silentLogger(), lifecycle });
      await app.close();
      return 'listening';
    } finally {
      await bus.close();
    }
  };

  it('is refused without certificates unless KAUDIT_ALLOW_PLAINTEXT=true, and then on loopback only (unless KAUDIT_ALLOW_PLAINTEXT_REMOTE)', async () => {
    await expect(start({})).rejects.toThrow(/KAUDIT_TLS_CERT: ingest needs TLS/);
    expect(await start({ KAUDIT_ALLOW_PLAINTEXT: 'true' })).toBe('listening');
    await expect(start({ KAUDIT_ALLOW_PLAINTEXT: 'true', KAUDIT_HOST: '0.0.0.0' })).rejects.toThrow(/KAUDIT_HOST: plain HTTP ingest listens on loopback only/);
    expect(await start({ KAUDIT_ALLOW_PLAINTEXT_REMOTE: 'true', KAUDIT_HOST: '0.0.0.0' })).toBe('listening');
  });

  it('is never what npm start does by itself: without certificates it generates them, plain HTTP only when asked for', () => {
    const tokens = { KAUDIT_API_TOKENS: `a:admin=${ingestToken.token}` };
    expect(loadIngestConfig(base).allowPlaintext).toBe(false);
    expect(needsGeneratedTls(loadStandaloneConfig({ ...base, ...tokens }))).toBe(true);
    expect(needsGeneratedTls(loadStandaloneConfig({ ...base, ...tokens, KAUDIT_ALLOW_PLAINTEXT: 'true' }))).toBe(false);
    expect(needsGeneratedTls(loadStandaloneConfig({ ...base, ...tokens, KAUDIT_ALLOW_PLAINTEXT: 'false' }))).toBe(true);
    const withCerts = { ...base, ...tokens, KAUDIT_TLS_CERT: '-----BEGIN CERTIFICATE-----', KAUDIT_TLS_KEY: '-----BEGIN PRIVATE KEY-----' };
    expect(needsGeneratedTls(loadStandaloneConfig(withCerts))).toBe(false);
  });
});
