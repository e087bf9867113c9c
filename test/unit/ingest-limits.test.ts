// The webhook's bounds, on a real listening socket: a batch of more items than KAUDIT_MAX_BATCH_EVENTS is
// refused with 413 before any item is looked at (nothing stored, nothing dead-lettered), and a body over the
// limit gets a 413 the client can read, not a reset connection.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, dlqHeaders, dlqMaxValueBytes, topicNames, type Bus } from '#shared/bus';
import { listeningPort } from '#shared/http';
import { silentLogger } from '#shared/logging';
import { auditEventOf, eventList } from '#shared/testing';
import { openDatabase } from '#shared/storage';
import { buildIngestApp, defaultIngestLimits } from '../../services/ingest/src/app.js';
import { replay } from '../../services/replay/src/replay.js';
import { ingestToken } from '../helpers/pipeline.js';

const topics = topicNames('limits.');
const bodyLimit = 16 * 1024 * 1024;

/** One POST over a socket of its own; resolves with the answer, or rejects with the socket's error. */
function post(port: number, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/webhook', method: 'POST', agent: false, headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }); });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A client that sends the whole body before it reads the answer (as Python's requests does): it fails with
 * the socket's error (a reset, a broken pipe) if the server closes the connection while it still sends.
 */
function postAllThenRead(port: number, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('error', reject);
    socket.write(`POST /v1/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ingestToken.token}\r\nContent-Type: application/json\r\nContent-Length: ${String(body.length)}\r\n\r\n`);
    socket.write(body, (err) => {
      if (err) { reject(err); return; }
      // everything sent: now the answer
      const check = setInterval(() => {
        if (answer.includes('\r\n\r\n{') && answer.trimEnd().endsWith('}')) {
          clearInterval(check);
          socket.destroy();
          resolve(answer);
        }
      }, 20);
    });
  });
}

describe('webhook bounds', () => {
  let bus: Bus;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-limits-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    app = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit, logger: silentLogger(), limits: { ...defaultIngestLimits, maxBatchEvents: 400 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = listeningPort(app.server);
  });
  afterAll(async () => {
    await app.close();
    await bus.close();
  });

  it('refuses a JSON array of 3 million tiny items with 413 naming the limit, storing and dead-lettering nothing', async () => {
    const body = Buffer.from(`[${Array.from({ length: 3_000_000 }, () => '{}').join(',')}]`);
    const r = await post(port, body);
    expect(r.status).toBe(413);
    expect(r.body).toContain('3000000 items, more than the limit of 400 (KAUDIT_MAX_BATCH_EVENTS');
    expect(await bus.readAll(topics.events)).toHaveLength(0);
    expect(await bus.readAll(topics.dlq)).toHaveLength(0);
  });

  it('takes a batch at the limit', async () => {
    const items = Array.from({ length: 400 }, (_, i) => auditEventOf({ auditID: `at-limit-${String(i)}` }));
    const r = await post(port, Buffer.from(JSON.stringify(eventList(items))));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ accepted: 400, rejected: 0 });
  });

  it('answers a 17 MiB body with a 413 the client reads, the connection not reset', async () => {
    const body = Buffer.alloc(17 * 1024 * 1024, 0x20);
    for (let round = 0; round < 3; round++) {
      const r = await post(port, body);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body)).toEqual({ error: 'payload_too_large', message: `body exceeds the limit of ${String(bodyLimit)} bytes` });
      // a client that reads only once it has sent everything
      const answer = await postAllThenRead(port, body);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain(`body exceeds the limit of ${String(bodyLimit)} bytes`);
    }
  });
});

describe('one event size limit for the webhook and replay', () => {
  it('a 1.1 MB event: ingest analyses its metadata and dead-letters it whole, replay reports it with the same reason; the rest is kept', async () => {
    const big = auditEventOf({ auditID: 'big', requestObject: { kind: 'ConfigMap', data: { blob: 'x'.repeat(1_100_000) } } });
    const small = auditEventOf({ auditID: 'small' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-one-limit-'));
    const bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const app = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit, logger: silentLogger() });
    try {
      const r = await app.inject({ method: 'POST', url: '/v1/webhook', headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' }, payload: JSON.stringify(eventList([big, small])) });
      const outcome = r.json<{ accepted: number; rejected: number; errors: { reason: string }[] }>();
      expect(outcome).toMatchObject({ accepted: 2, rejected: 0 });
      const [dead] = await bus.readAll(topics.dlq);
      const reason = dead?.headers[dlqHeaders.reason] ?? '';
      expect(reason).toMatch(/^event of \d+ bytes exceeds the limit of 524288 bytes; analysed without its requestObject$/);
      expect(dead?.headers[dlqHeaders.step]).toBe('ingest-trim');
      expect(dead?.value.length).toBe(dlqMaxValueBytes);
      const events = (await bus.readAll(topics.events)).map((m) => JSON.parse(m.value.toString()) as { event: { auditID: string; requestObject?: unknown; annotations?: Record<string, string> } });
      const trimmed = events.find((e) => e.event.auditID === 'big');
      expect(trimmed?.event.requestObject).toBeUndefined();
      expect(trimmed?.event.annotations?.['kaudit.io/trimmed']).toBe('requestObject');
      expect(trimmed?.event.annotations?.['kaudit.io/event-bytes']).toMatch(/^\d{7}$/);
      const limitReason = reason.replace(/; analysed without .*$/, '');

      const file = path.join(dir, 'audit.log');
      writeFileSync(file, `${JSON.stringify(big)}\n${JSON.stringify(small)}\n`);
      const db = await openDatabase(path.join(dir, 'replay.duckdb'));
      try {
        const summary = await replay({ inputs: [file], db });
        expect(summary.events).toBe(1);
        expect(summary.malformed).toEqual({ count: 1, first: [`${file}:1: ${limitReason}`] });
      } finally {
        await db.close();
      }
    } finally {
      await app.close();
      await bus.close();
    }
  });
});
