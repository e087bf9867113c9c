// The webhook contract (README "Webhook (ingest)") through fastify's inject, on the embedded durable bus. Corpus events
// from ../shared/corpus (Falco's anonymous namespace trace and its malformed fixture).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, dlqHeaders, topicNames, type Bus, type InMessage } from '#shared/bus';
import { TopicLog, toInMessage } from '../../shared/bus/embedded-log.js';
import { KauditError, errorCodes } from '#shared/errors';
import { silentLogger } from '#shared/logging';
import { corpusLines, eventList } from '#shared/testing';
import { buildIngestApp } from '../../services/ingest/src/app.js';

const topics = topicNames('u.');
const token = 'cluster-a-token-0123456789';
const auth = { authorization: `Bearer ${token}` };
const [anonymous] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
const [malformed] = corpusLines('falco-k8s-audit/fal_01_003.json');

/** Everything on an embedded topic, read from its log file. */
async function drain(dir: string, topic: string): Promise<InMessage[]> {
  const log = await TopicLog.open(dir, topic);
  try {
    const { messages } = await log.read(0, 64 * 1024 * 1024);
    return messages.map(({ offset, message }) => toInMessage(topic, offset, message));
  } finally {
    await log.close();
  }
}

describe('ingest webhook', () => {
  let bus: Bus;
  let dir: string;
  let app: FastifyInstance;
  const bodyLimit = 64 * 1024;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-ingest-'));
    bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    app = buildIngestApp({ bus, topics, tokens: [{ cluster: 'cluster-a', token }], bodyLimit, logger: silentLogger() });
  });
  afterEach(async () => {
    await app.close();
    await bus.close();
  });

  const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/webhook', payload, headers: { 'content-type': 'application/json', ...auth, ...headers } });

  it('accepts an EventList and writes one envelope per event, keyed <cluster>/<user>', async () => {
    const res = await post(JSON.stringify(eventList([anonymous, anonymous])));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const events = await drain(dir, topics.events);
    expect(events).toHaveLength(2);
    expect(events[0]?.key).toBe('cluster-a/system:anonymous');
    const envelope = JSON.parse(events[0]?.value.toString() ?? '{}') as { cluster: string; transport: { tls: boolean }; event: { auditID: string }; receivedAt: string };
    expect(envelope.cluster).toBe('cluster-a');
    expect(envelope.transport.tls).toBe(false);
    expect(envelope.event.auditID).toBe('841d3e6d-90d2-43df-8da4-684738bee3d5');
    expect(Date.parse(envelope.receivedAt)).not.toBeNaN();
  });

  it('accepts a single Event and a JSON array of Events', async () => {
    expect((await post(JSON.stringify(anonymous))).json()).toMatchObject({ accepted: 1 });
    expect((await post(JSON.stringify([anonymous, anonymous, anonymous]))).json()).toMatchObject({ accepted: 3 });
  });

  it('accepts gzip bodies', async () => {
    const res = await post(gzipSync(JSON.stringify(eventList([anonymous]))), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1 });
  });

  it('sends invalid items to the DLQ with the reason and accepts the valid rest', async () => {
    const res = await post(JSON.stringify(eventList([anonymous, malformed, 'text', anonymous])));
    expect(res.statusCode).toBe(200);
    const body = res.json<{ accepted: number; rejected: number; errors: { index: number; reason: string }[] }>();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toBe(2);
    expect(body.errors.map((e) => e.index)).toEqual([1, 2]);
    expect(body.errors[0]?.reason).toMatch(/kind/);
    const dlq = await drain(dir, topics.dlq);
    expect(dlq).toHaveLength(2);
    expect(dlq[0]?.value.toString()).toBe(JSON.stringify(malformed));
    expect(dlq[0]?.headers[dlqHeaders.step]).toBe('ingest-validate');
    expect(dlq[0]?.headers[dlqHeaders.reason]).toMatch(/not an audit event/);
    expect(await drain(dir, topics.events)).toHaveLength(2);
  });

  it('answers 401 without a valid token and stores nothing', async () => {
    const body = JSON.stringify(eventList([anonymous]));
    expect((await app.inject({ method: 'POST', url: '/v1/webhook', payload: body })).statusCode).toBe(401);
    const wrong = await post(body, { authorization: 'Bearer not-the-token-0123456789' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/Bearer/);
    expect(await drain(dir, topics.events)).toHaveLength(0);
  });

  it('answers 400 with a clear message for a body that is not JSON, or not UTF-8, or bad gzip', async () => {
    const notJson = await post('this is not json');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json<{ message: string }>().message).toMatch(/not JSON/);
    expect((await post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).json<{ message: string }>().message).toMatch(/UTF-8/);
    expect((await post(Buffer.from('nope'), { 'content-encoding': 'gzip' })).statusCode).toBe(400);
    expect((await post('{}', { 'content-encoding': 'br' })).statusCode).toBe(415);
  });

  it('answers 413 over the body limit, compressed or not', async () => {
    const big = JSON.stringify(eventList(Array.from({ length: 200 }, () => anonymous)));
    expect(big.length).toBeGreaterThan(bodyLimit);
    expect((await post(big)).statusCode).toBe(413);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(bodyLimit);
    expect((await post(zipped, { 'content-encoding': 'gzip' })).statusCode).toBe(413);
    expect(await drain(dir, topics.events)).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the bus does not acknowledge', async () => {
    const failing: Bus = {
      ...bus,
      produce: () => Promise.reject(new KauditError(errorCodes.busUnavailable, 'broker down', { retriable: true })),
      isReady: () => false,
    };
    const down = buildIngestApp({ bus: failing, topics, tokens: [{ cluster: 'cluster-a', token }], bodyLimit, logger: silentLogger() });
    const res = await down.inject({ method: 'POST', url: '/v1/webhook', payload: JSON.stringify(eventList([anonymous])), headers: auth });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect((await down.inject({ url: '/readyz' })).statusCode).toBe(503);
    await down.close();
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    await post(JSON.stringify(eventList([anonymous])));
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('kaudit_ingest_events_total{cluster="cluster-a",outcome="accepted",service="ingest"} 1');
  });
});
