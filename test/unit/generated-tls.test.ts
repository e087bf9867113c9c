// npm start's own TLS (no certificate configured): a CA, a server certificate with the right names, a client
// certificate per cluster and webhook kubeconfigs, all private; a real HTTPS handshake with what the
// kubeconfigs hold (CA data and token, or client certificate) is accepted by ingest and names the cluster.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { loadStandaloneConfig, withGeneratedTls } from '#shared/config';
import type { Envelope } from '#shared/contracts';
import { listeningPort } from '#shared/http';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import { auditEventOf, eventList } from '#shared/testing';
import { runIngest } from '../../services/ingest/src/service.js';
import { clientCertCn, ensureGeneratedTls } from '../../services/standalone/src/generated-tls.js';

const tokens = [
  { cluster: 'prod-eu', token: 'prod-eu-token-0123456789' },
  { cluster: 'staging', token: 'staging-token-0123456789' },
];

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}
const readKubeconfig = (file: string) => parse(readFileSync(file, 'utf8')) as Kubeconfig;
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const mode = (file: string) => statSync(file).mode & 0o777;

describe('generated TLS (npm start without certificates)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-gentls-'));
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('writes a private CA, a server certificate for localhost, 127.0.0.1 and KAUDIT_HOST, and kubeconfigs per cluster', async () => {
    const g = await ensureGeneratedTls({ dataDir, host: 'kaudit.example.internal', port: 9443, tokens });
    expect(g.issued).toEqual(expect.arrayContaining(['ca.crt', 'server.crt', 'client-prod-eu.crt', 'client-staging.crt']));
    for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'client-prod-eu.crt', 'client-prod-eu.key']) expect(mode(path.join(g.dir, f))).toBe(0o600);
    expect(mode(g.dir)).toBe(0o700);

    const ca = new X509Certificate(readFileSync(g.caFile));
    const server = new X509Certificate(g.tls.cert);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('kaudit.example.internal')).toBe('kaudit.example.internal');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('evil.example')).toBeUndefined();

    expect(g.kubeconfigs.map((k) => k.cluster)).toEqual(['prod-eu', 'staging']);
    const [prod] = g.kubeconfigs;
    if (!prod) throw new Error('no kubeconfig');
    expect(mode(prod.token)).toBe(0o600);
    expect(mode(prod.mtls)).toBe(0o600);
    const withToken = readKubeconfig(prod.token);
    expect(withToken.clusters[0]?.cluster.server).toBe('https://kaudit.example.internal:9443/v1/webhook');
    expect(unb64(withToken.clusters[0]?.cluster['certificate-authority-data'])).toBe(readFileSync(g.caFile, 'utf8'));
    expect(withToken.users[0]?.user.token).toBe('prod-eu-token-0123456789');
    const withCert = readKubeconfig(prod.mtls);
    expect(withCert.users[0]?.user.token).toBeUndefined();
    const client = new X509Certificate(unb64(withCert.users[0]?.user['client-certificate-data']));
    expect(client.subject).toBe(`CN=${clientCertCn('prod-eu')}`);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(g.clientCertClusters.get(clientCertCn('prod-eu'))).toBe('prod-eu');
  });

  it('keeps what it made on the next start, and issues only a new server certificate when KAUDIT_HOST changes', async () => {
    const caBefore = readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const again = await ensureGeneratedTls({ dataDir, host: 'kaudit.example.internal', port: 9443, tokens });
    expect(again.issued).toEqual([]);
    const moved = await ensureGeneratedTls({ dataDir, host: '192.0.2.10', port: 9443, tokens: [...tokens, { cluster: 'dev', token: 'dev-token-0123456789abc' }] });
    expect(moved.issued.sort()).toEqual(['client-dev.crt', 'server.crt']);
    expect(readFileSync(moved.caFile, 'utf8')).toBe(caBefore);
    expect(new X509Certificate(moved.tls.cert).checkIP('192.0.2.10')).toBe('192.0.2.10');
    expect(readKubeconfig(path.join(dataDir, 'webhook', 'dev.kubeconfig')).clusters[0]?.cluster.server).toBe('https://192.0.2.10:9443/v1/webhook');
  });

  it('serves HTTPS that accepts exactly what the kubeconfigs hold: the CA with the token, or the client certificate', async () => {
    const g = await ensureGeneratedTls({ dataDir, host: '127.0.0.1', port: 0, tokens });
    const env = {
      KAUDIT_DATA_DIR: dataDir,
      KAUDIT_INGEST_PORT: '0',
      KAUDIT_INGEST_TOKENS: tokens.map((t) => `${t.cluster}=${t.token}`).join(','),
      KAUDIT_API_TOKENS: 'a:admin=admin-token-0123456789',
    };
    const config = withGeneratedTls(loadStandaloneConfig(env), g);
    const bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-gentls-bus-')), topics: allTopics(topicNames('kaudit.')), logger: silentLogger() });
    await bus.start();
    const lifecycle = createLifecycle({ logger: silentLogger() });
    const app = await runIngest({ config: config.ingest, bus, logger: silentLogger(), lifecycle });
    cleanups.push(() => app.close(), () => bus.close());
    const port = listeningPort(app.server);
    const ca = readFileSync(g.caFile, 'utf8');
    const prod = g.kubeconfigs[0];
    if (!prod) throw new Error('no kubeconfig');
    const certUser = readKubeconfig(prod.mtls).users[0]?.user;
    const post = (opts: { token?: string; cert?: string; key?: string; servername?: string }, auditID: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/webhook',
            method: 'POST',
            ca,
            ...(opts.servername ? { servername: opts.servername } : {}),
            ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
            headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
          },
          (res) => {
            res.resume();
            res.on('end', () => { resolve(res.statusCode ?? 0); });
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(eventList([auditEventOf({ auditID })])));
      });
    expect(await post({ token: 'prod-eu-token-0123456789' }, 'by-token')).toBe(200);
    expect(await post({ cert: unb64(certUser?.['client-certificate-data']), key: unb64(certUser?.['client-key-data']) }, 'by-cert')).toBe(200);
    expect(await post({}, 'nobody')).toBe(401);
    const events = (await bus.readAll(topicNames('kaudit.').events)).map((m) => JSON.parse(m.value.toString()) as Envelope);
    expect(events.map((e) => [e.event.auditID, e.cluster, e.transport])).toEqual([
      ['by-token', 'prod-eu', { tls: true }],
      ['by-cert', 'prod-eu', { tls: true, clientCertSubject: `CN=${clientCertCn('prod-eu')}` }],
    ]);
  });
});
