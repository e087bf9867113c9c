// Redact once, at ingest (README "Security"): every shape in which an audit event carries a credential
// (test/helpers/credential-carriers.ts) is redacted by the redactor, and the webhook writes neither the events
// topic nor the DLQ with any of them. Look-alikes that are no credential stay as they are.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import { auditEventSchema } from '#shared/contracts';
import { createEngine, createRedaction } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { buildIngestApp } from '../../services/ingest/src/app.js';
import { credentialCarriers, credentialLookalikes } from '../helpers/credential-carriers.js';

const redaction = createRedaction(Buffer.from('carrier-redaction-key-0123456789abcdef'));
const carriers = credentialCarriers();
const leaks = (text: string, secrets: readonly string[]) => secrets.filter((s) => text.includes(s));

describe('redaction of every credential carrier', () => {
  it('has the carriers of the table (33, each with its own secret)', () => {
    expect(carriers).toHaveLength(33);
    const secrets = carriers.flatMap((c) => c.secrets);
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  for (const carrier of carriers.filter((c) => c.invalid !== true)) {
    it(`redacts: ${carrier.name}`, () => {
      const event = auditEventSchema.parse(carrier.item);
      const before = JSON.stringify(event);
      expect(leaks(before, carrier.secrets).length).toBeGreaterThan(0);
      const redacted = redaction.event(event);
      const text = JSON.stringify(redacted);
      expect(leaks(text, carrier.secrets)).toEqual([]);
      expect(text).toMatch(/\[redacted (?:[a-z-]+ )?hmac:[0-9a-f]{12}\]/);
      // still a valid audit event, the input untouched, and a second pass changes nothing
      expect(auditEventSchema.safeParse(redacted).success).toBe(true);
      expect(JSON.stringify(event)).toBe(before);
      expect(redaction.event(redacted)).toEqual(redacted);
    });
  }

  for (const carrier of carriers.filter((c) => c.invalid === true)) {
    it(`redacts an item that is not an audit event: ${carrier.name}`, () => {
      expect(auditEventSchema.safeParse(carrier.item).success).toBe(false);
      const text = JSON.stringify(redaction.value(carrier.item));
      expect(leaks(text, carrier.secrets)).toEqual([]);
    });
  }

  it('keeps what only looks like a credential: references, look-alike words, placeholders, the legacy-token annotation', () => {
    const event = auditEventSchema.parse(
      auditEventOf({
        level: 'RequestResponse',
        verb: 'create',
        requestURI: '/api/v1/namespaces/shop/configmaps?fieldManager=kubectl&limit=500&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
        objectRef: { resource: 'configmaps', namespace: 'shop', name: 'app', apiVersion: 'v1' },
        annotations: { 'authentication.k8s.io/legacy-token': 'system:serviceaccount:shop:app', 'authorization.k8s.io/decision': 'allow' },
        responseStatus: { code: 401, message: 'Token validation failed: Basic authentication required' },
        requestObject: {
          kind: 'ConfigMap',
          metadata: { name: 'app', annotations: { 'example.com/note': 'bearer of news' } },
          data: credentialLookalikes,
        },
      }),
    );
    expect(redaction.event(event)).toBe(event);
  });

  it('leaves credentials-in-configmap its evidence: kinds and names survive the markers', () => {
    const engine = createEngine({ redact: redaction.event });
    const names = ['kubeconfig token in a ConfigMap', 'PEM private key in a ConfigMap', 'DB_PASSWORD key of a ConfigMap', '"apiKey" in a JSON file in a ConfigMap'];
    const kinds = names.map((name) => {
      const carrier = carriers.find((c) => c.name === name);
      const event = auditEventSchema.parse(carrier?.item);
      const finding = engine.analyze(envelopeOf(redaction.event(event))).findings.find((f) => f.ruleId === 'credentials-in-configmap');
      return (finding?.evidence.matches as { kinds: string[] }[] | undefined)?.[0]?.kinds;
    });
    expect(kinds).toEqual([['credential-assignment'], ['private-key-pem'], ['credential-key'], ['credential-assignment']]);
  });
});

describe('the webhook writes no credential to the bus', () => {
  let bus: Bus;
  const topics = topicNames('r.');
  const token = 'cluster-a-token-0123456789';
  beforeAll(async () => {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-redact-ingest-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
  });
  afterAll(async () => {
    await bus.close();
  });

  it('posts every carrier; neither the events topic nor the DLQ holds any secret; valid ones are accepted, invalid ones dead-lettered', async () => {
    const app = buildIngestApp({ bus, topics, tokens: [{ cluster: 'cluster-a', token }], bodyLimit: 1024 * 1024, logger: silentLogger(), redaction });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/webhook',
        payload: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: carriers.map((c) => c.item) }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
      const invalid = carriers.filter((c) => c.invalid === true).length;
      expect(res.json()).toMatchObject({ accepted: carriers.length - invalid, rejected: invalid });
      for (const e of res.json<{ errors: { reason: string }[] }>().errors) expect(leaks(e.reason, carriers.flatMap((c) => c.secrets))).toEqual([]);
    } finally {
      await app.close();
    }
    const events = await bus.readAll(topics.events);
    const dlq = await bus.readAll(topics.dlq);
    expect(events).toHaveLength(carriers.length - 2);
    expect(dlq).toHaveLength(2);
    const written = [...events, ...dlq].map((m) => `${m.value.toString('utf8')} ${JSON.stringify(m.headers)}`).join('\n');
    expect(carriers.filter((c) => leaks(written, c.secrets).length > 0).map((c) => c.name)).toEqual([]);
  });
});
