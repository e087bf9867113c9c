// Redaction before storage (README "Security"): credential material never reaches a record, a finding, the records
// topic or DuckDB. Events follow the Kubernetes API (Secret, SecretList, JSON Patch, TokenRequest,
// TokenReview) at RequestResponse level, where the audit log carries the objects.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditEventSchema, type AuditEvent } from '#shared/contracts';
import { createEngine, createRedactor } from '#shared/engine';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { getJson, postEvents, pipelineForSuite, testRedactionKey, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';

const key = Buffer.from('unit-redaction-key-0123456789abcdefgh');
const redact = createRedactor(key);
const marker = (value: string) => `[redacted hmac:${createHmac('sha256', key).update(value).digest('hex').slice(0, 12)}]`;
const event = (fields: Record<string, unknown>): AuditEvent => auditEventSchema.parse(auditEventOf({ level: 'RequestResponse', ...fields }));

const password = 'hunter2-very-secret';
const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6Im15a2V5In0.payload.signature-value';
const secretObject = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: {
    name: 'db',
    namespace: 'shop',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: Buffer.from(password).toString('base64') } }),
      team: 'payments',
    },
  },
  type: 'Opaque',
  data: { password: Buffer.from(password).toString('base64'), user: Buffer.from('app').toString('base64') },
  stringData: { url: `postgres://app:${password}@db:5432/shop` },
};
const createSecret = event({
  verb: 'create',
  requestURI: '/api/v1/namespaces/shop/secrets',
  objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' },
  responseStatus: { code: 201 },
  requestObject: secretObject,
  responseObject: { ...secretObject, stringData: undefined },
});
const everything = (e: unknown) => JSON.stringify(e);

describe('redaction', () => {
  it('replaces Secret data and stringData values, in request and response, with a keyed-hash marker; keys and metadata stay', () => {
    const r = redact(createSecret);
    const req = r.requestObject as typeof secretObject;
    expect(req.data).toEqual({ password: marker(Buffer.from(password).toString('base64')), user: marker(Buffer.from('app').toString('base64')) });
    expect(req.stringData.url).toBe(marker(`postgres://app:${password}@db:5432/shop`));
    expect((r.responseObject as typeof secretObject).data.password).toBe(req.data.password);
    expect(req.metadata.annotations.team).toBe('payments');
    expect(req.type).toBe('Opaque');
    const text = everything(r);
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(password).toString('base64'));
    // the original is untouched (a copy is redacted)
    expect(everything(createSecret)).toContain(Buffer.from(password).toString('base64'));
  });

  it('redacts inside kubectl’s last-applied-configuration annotation, keeping it valid JSON', () => {
    const applied = (redact(createSecret).requestObject as typeof secretObject).metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
    expect(JSON.parse(applied)).toMatchObject({ kind: 'Secret', data: { password: marker(Buffer.from(password).toString('base64')) } });
  });

  it('gives the same marker for the same value and different ones for different values or keys', () => {
    const a = (redact(createSecret).requestObject as typeof secretObject).data;
    expect(a.password).not.toBe(a.user);
    expect((redact(createSecret).requestObject as typeof secretObject).data.password).toBe(a.password);
    const other = createRedactor(Buffer.from('another-key-0123456789abcdefghijklmn'))(createSecret);
    expect((other.requestObject as typeof secretObject).data.password).not.toBe(a.password);
  });

  it('redacts every item of a SecretList (list secrets), and the values of a JSON Patch on a Secret', () => {
    const list = redact(
      event({
        verb: 'list',
        requestURI: '/api/v1/namespaces/shop/secrets',
        objectRef: { resource: 'secrets', namespace: 'shop', apiVersion: 'v1' },
        responseObject: { kind: 'SecretList', apiVersion: 'v1', items: [{ metadata: { name: 'db' }, data: { password: 'aHVudGVyMg==' } }] },
      }),
    );
    expect(everything(list)).not.toContain('aHVudGVyMg==');
    const patch = redact(
      event({
        verb: 'patch',
        requestURI: '/api/v1/namespaces/shop/secrets/db',
        objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' },
        requestObject: [{ op: 'replace', path: '/data/password', value: 'bmV3LXBhc3N3b3Jk' }],
      }),
    );
    expect(everything(patch)).not.toContain('bmV3LXBhc3N3b3Jk');
    expect(patch.requestObject).toEqual([{ op: 'replace', path: '/data/password', value: marker('bmV3LXBhc3N3b3Jk') }]);
  });

  it('redacts a TokenRequest’s minted token and a TokenReview’s token', () => {
    const minted = redact(
      event({
        verb: 'create',
        requestURI: '/api/v1/namespaces/shop/serviceaccounts/app/token',
        objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'shop', name: 'app', apiVersion: 'v1' },
        requestObject: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['api'], expirationSeconds: 3600 } },
        responseObject: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['api'] }, status: { token, expirationTimestamp: '2026-03-01T11:00:00Z' } },
      }),
    );
    expect((minted.responseObject as { status: { token: string } }).status.token).toBe(marker(token));
    const review = redact(
      event({
        verb: 'create',
        requestURI: '/apis/authentication.k8s.io/v1/tokenreviews',
        objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io', apiVersion: 'v1' },
        requestObject: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token } },
        responseObject: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token }, status: { authenticated: true, user: { username: 'jane' } } },
      }),
    );
    expect(everything(review)).not.toContain(token);
    expect(everything(review)).toContain('"authenticated":true');
  });

  it('redacts token query parameters of the request URI and bearer tokens in any object', () => {
    const uri = redact(event({ requestURI: `/api/v1/namespaces/shop/pods/web/proxy/metrics?access_token=${token}&x=1` }));
    expect(uri.requestURI).toBe(`/api/v1/namespaces/shop/pods/web/proxy/metrics?access_token=${marker(token)}&x=1`);
    const pod = redact(
      event({
        verb: 'create',
        requestURI: '/api/v1/namespaces/shop/pods',
        objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' },
        requestObject: { kind: 'Pod', spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'AUTH', value: `Bearer ${token}` }] }] } },
      }),
    );
    expect(everything(pod)).not.toContain(token);
    expect(everything(pod)).toContain(`"value":"Bearer ${marker(token)}"`);
  });

  it('leaves ordinary objects as they are', () => {
    const cm = event({
      verb: 'create',
      requestURI: '/api/v1/namespaces/shop/configmaps',
      objectRef: { resource: 'configmaps', namespace: 'shop', apiVersion: 'v1' },
      requestObject: { kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast', note: 'bearer of news' } },
    });
    expect(redact(cm)).toEqual(cm);
  });

  it('the engine analyses the redacted event: records, findings and evidence never carry the credential', () => {
    const engine = createEngine({ redact });
    const legacy = event({
      verb: 'create',
      requestURI: '/api/v1/namespaces/shop/secrets',
      objectRef: { resource: 'secrets', namespace: 'shop', name: 'sa-token', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      requestObject: { kind: 'Secret', metadata: { name: 'sa-token', annotations: { 'kubernetes.io/service-account.name': 'app' } }, type: 'kubernetes.io/service-account-token', data: { token: Buffer.from(token).toString('base64') } },
    });
    const a = engine.analyze(envelopeOf(legacy));
    expect(a.findings.map((f) => f.ruleId)).toContain('legacy-token-secret-created');
    expect(everything(a)).not.toContain(Buffer.from(token).toString('base64'));
  });
});

describe('redaction in the pipeline (embedded bus)', () => {
  let p: Pipeline;
  pipelineForSuite((started) => (p = started));

  it('stores and publishes only the redacted event: GET /v1/events raw, the records topic and the events topic (ingest redacts), all with the same marker', async () => {
    const secretValue = Buffer.from(password).toString('base64');
    expect((await postEvents(p, { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [{ ...createSecret, auditID: 'redact-me' }] })).status).toBe(200);
    const stored = await waitFor(async () => (await getJson<{ items: { raw: unknown }[] }>(p, '/v1/events/redact-me')).items[0], { what: 'the stored event' });
    const pipelineMarker = (v: string) => `[redacted hmac:${createHmac('sha256', testRedactionKey).update(v).digest('hex').slice(0, 12)}]`;
    expect(everything(stored.raw)).not.toContain(secretValue);
    expect(everything(stored.raw)).toContain(pipelineMarker(secretValue));
    const records = await p.bus.readAll(p.topics.records);
    expect(records.length).toBeGreaterThan(0);
    for (const m of records) expect(m.value.toString('utf8')).not.toContain(secretValue);
    const events = await p.bus.readAll(p.topics.events);
    expect(events.length).toBeGreaterThan(0);
    for (const m of events) expect(m.value.toString('utf8')).not.toContain(secretValue);
    expect(events.some((m) => m.value.toString('utf8').includes(pipelineMarker(secretValue)))).toBe(true);
  });
});
