// Acceptance (#16, GKE): "Cloud Logging LogEntry with a protoPayload of type google.cloud.audit.AuditLog (sink
// → Pub/Sub push subscription to an HTTPS endpoint, Google-signed OIDC JWT in Authorization, verified against
// a configured JWKS and audience), converted to an audit Event … Converted records say they were converted."
// Requests are built from the published formats: Pub/Sub's push request body and its OIDC token (RS256, iss
// https://accounts.google.com, aud, email, email_verified), the signing keys served as a JWKS over HTTP as
// Google serves its own. The pipeline is npm start's wiring on the embedded bus with KAUDIT_GKE_*.
// Entries from ../shared/corpus/panther-analysis (Panther's GKE tests, format gcp_cloud_audit_log): the same
// findings as their converted Events through the webhook.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertedFromAnnotation, gkeAuditEvent, gkeConverted, type NormalizedRecord } from '#shared/contracts';
import { pantherTests } from '#shared/testing';
import { getJson, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { expectWebhookFindings } from '../helpers/same-findings.js';
import { waitFor } from '../helpers/wait-for.js';

const pusher = 'kaudit-push@prod-project.iam.gserviceaccount.com';
const audience = 'https://kaudit.example.com/v1/pubsub';
let key: CryptoKey;
let otherKey: CryptoKey;
let jwksServer: http.Server;
let jwksUrl: string;
let jwksFetches = 0;

beforeAll(async () => {
  const signing = await generateKeyPair('RS256');
  key = signing.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const { publicKey } = await generateKeyPair('RS256');
  // Google's JWKS holds several keys; the token's kid picks one
  const keys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'old', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(signing.publicKey)), kid: 'current', alg: 'RS256', use: 'sig' }] };
  jwksServer = http.createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' }).end(JSON.stringify(keys));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${String((jwksServer.address() as AddressInfo).port)}/oauth2/v3/certs`;
});
afterAll(async () => {
  await new Promise((resolve) => jwksServer.close(resolve));
});

/** A push subscription's OIDC token, as Google signs it (`claims` override). */
async function token(claims: Record<string, unknown> = {}, { signWith = key, kid = 'current', expiresIn = '1h' }: { signWith?: CryptoKey; kid?: string; expiresIn?: string } = {}): Promise<string> {
  return new SignJWT({ email: pusher, email_verified: true, azp: '1234567890', sub: '1234567890', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer('https://accounts.google.com')
    .setAudience((claims.aud as string | undefined) ?? audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(signWith);
}

/** A Pub/Sub push request of one LogEntry. */
const push = (entry: unknown) => ({
  message: { data: Buffer.from(JSON.stringify(entry)).toString('base64'), attributes: { 'logging.googleapis.com/timestamp': '2026-12-06T12:00:00Z' }, messageId: randomUUID(), publishTime: '2026-12-06T12:00:01.123Z' },
  subscription: 'projects/prod-project/subscriptions/kaudit-gke-audit',
});

const gkeEnv = (more: Record<string, string> = {}) => ({ KAUDIT_GKE_AUDIENCE: audience, KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: pusher, KAUDIT_GKE_JWKS_URL: jwksUrl, ...more });
const url = (p: Pipeline) => p.webhookUrl.replace(/\/v1\/webhook$/, '/v1/pubsub');
const post = async (p: Pipeline, body: unknown, bearer?: string) =>
  fetch(url(p), { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }) }, body: JSON.stringify(body) });
const records = async (p: Pipeline) => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000&since=2000-01-01T00:00:00Z')).items;

const gkeTests = pantherTests().filter((t) => t.format === 'gcp_cloud_audit_log');
const convertible = gkeTests.filter((t) => gkeAuditEvent(t.log).ok).map((t) => t.log);
const notKubernetes = gkeTests.find((t) => !gkeAuditEvent(t.log).ok)?.log;

describe('GKE: Cloud Logging entries pushed by Pub/Sub (POST /v1/pubsub)', () => {
  it('converts each pushed entry, attributes it to its cluster, marks it converted and acknowledges once it is on the bus', async () => {
    expect(gkeTests).toHaveLength(57);
    expect(convertible.length).toBeGreaterThanOrEqual(45);
    const p = await startPipeline({ env: gkeEnv({ KAUDIT_GKE_CLUSTER: 'gke-fallback' }) });
    try {
      const bearer = await token();
      for (const entry of convertible) {
        const r = await post(p, push(entry), bearer);
        expect(r.status).toBe(200);
        expect(await r.json()).toEqual({ accepted: 1, rejected: 0 });
      }
      await waitFor(async () => (await records(p)).length >= convertible.length, { what: 'the converted entries stored', timeoutMs: 30_000 });
      const stored = await records(p);
      expect(stored).toHaveLength(convertible.length);
      expect(stored.every((r) => r.annotations[convertedFromAnnotation] === gkeConverted)).toBe(true);
      // entries naming their cluster keep it; the others get KAUDIT_GKE_CLUSTER
      const named = convertible.filter((e) => (e as { resource?: { type?: string; labels?: { cluster_name?: string } } }).resource?.labels?.cluster_name !== undefined && (e as { resource: { type: string } }).resource.type === 'k8s_cluster');
      expect(named.length).toBeGreaterThan(0);
      expect(stored.filter((r) => r.cluster !== 'gke-fallback')).toHaveLength(named.length);
      // the keys were fetched once for all of these pushes
      expect(jwksFetches).toBe(1);

      // an entry of another service is no Kubernetes request: acknowledged (a retry cannot help), to the DLQ
      const r = await post(p, push(notKubernetes), bearer);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ accepted: 0, rejected: 1 });
      const dlq = await p.bus.readAll(p.topics.dlq);
      expect(dlq.map((m) => m.headers['kaudit-dlq-reason'])).toEqual([expect.stringMatching(/^not a Kubernetes audit log entry/)]);
      expect(JSON.parse(dlq[0]?.value.toString('utf8') ?? 'null')).toEqual(notKubernetes);
      // a body that is no push request
      expect((await post(p, { records: [] }, bearer)).status).toBe(400);
    } finally {
      await p.stop();
    }
  });

  it('refuses every token that is not the push subscription’s, with 401', async () => {
    const p = await startPipeline({ env: gkeEnv({ KAUDIT_GKE_CLUSTER: 'x' }) });
    try {
      const body = push(convertible[0]);
      const refused = [
        undefined,
        'not-a-jwt',
        await token({ aud: 'https://elsewhere.example.com/' }),
        await token({ email: 'someone@attacker-project.iam.gserviceaccount.com' }),
        await token({ email_verified: false }),
        await token({}, { signWith: otherKey }),
        await token({}, { kid: 'old' }),
        await token({}, { expiresIn: '-10 minutes' }),
      ];
      for (const bearer of refused) expect((await post(p, body, bearer)).status, String(bearer)).toBe(401);
      // an ingest token is no push token either
      expect((await post(p, body, 'ingest-token-0123456789')).status).toBe(401);
      expect(await records(p)).toHaveLength(0);
      expect((await post(p, body, await token())).status).toBe(200);
    } finally {
      await p.stop();
    }
  });

  it('dead-letters an entry that names no cluster when KAUDIT_GKE_CLUSTER is not set, and is off without KAUDIT_GKE_AUDIENCE', async () => {
    const unnamed = convertible.find((e) => (e as { resource?: { labels?: { cluster_name?: string } } }).resource?.labels?.cluster_name === undefined);
    const p = await startPipeline({ env: gkeEnv() });
    try {
      expect(await (await post(p, push(unnamed), await token())).json()).toEqual({ accepted: 0, rejected: 1 });
      const dlq = await p.bus.readAll(p.topics.dlq);
      expect(dlq[0]?.headers['kaudit-dlq-reason']).toMatch(/^no cluster: .*KAUDIT_GKE_CLUSTER/);
    } finally {
      await p.stop();
    }
    const off = await startPipeline();
    try {
      expect((await post(off, push(unnamed), await token())).status).toBe(404);
    } finally {
      await off.stop();
    }
  });

  it('finds what the webhook finds for the same events', async () => {
    const events = convertible.map((e) => {
      const c = gkeAuditEvent(e);
      if (!c.ok) throw new Error(c.reason);
      return c.event;
    });
    await expectWebhookFindings(
      events,
      async (p) => {
        const bearer = await token();
        for (const entry of convertible) expect((await post(p, push(entry), bearer)).status).toBe(200);
      },
      10,
      { env: gkeEnv({ KAUDIT_GKE_CLUSTER: 'corpus' }), ignore: ['plaintext-ingest'] },
    );
  }, 60_000);
});
