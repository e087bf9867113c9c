// Slow clients cannot hold ingest at 429: an unauthenticated request is refused (401) before its body is read
// and never counts against capacity, and an authenticated client that stops sending is cut off by the idle
// and request timeouts, freeing its place. Real sockets on loopback.
import { mkdtempSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import { listeningPort } from '#shared/http';
import { silentLogger } from '#shared/logging';
import { auditEventOf, eventList } from '#shared/testing';
import { buildIngestApp, defaultIngestLimits, defaultIngestTimeouts } from '../../services/ingest/src/app.js';
import { ingestToken } from '../helpers/pipeline.js';
import { rawConnection } from '../helpers/raw-connection.js';
import { waitFor } from '../helpers/wait-for.js';

const topics = topicNames('slow.');
const sockets: Socket[] = [];
let bus: Bus | undefined;
let app: FastifyInstance | undefined;

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  await bus?.close();
});

async function start(overrides: Partial<Parameters<typeof buildIngestApp>[0]> = {}): Promise<number> {
  bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-slow-')), topics: allTopics(topics), logger: silentLogger() });
  await bus.start();
  app = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit: 16 * 1024 * 1024, logger: silentLogger(), ...overrides });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return listeningPort(app.server);
}

/** Headers of a 1 MB POST and then a trickle of body bytes; `answer()` is what came back so far. */
function trickle(port: number, authorization?: string): { answer: () => string; closed: () => boolean } {
  const { socket, answer, closed } = rawConnection(port, sockets);
  socket.write(
    `POST /v1/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n[`,
  );
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(' ');
  }, 100);
  socket.on('close', () => { clearInterval(timer); });
  return { answer, closed };
}

async function postBatch(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${String(port)}/v1/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(eventList([auditEventOf({ auditID: `real-${String(Math.random())}` })])),
  });
  await r.arrayBuffer();
  return r.status;
}

describe('slow and unauthenticated clients', () => {
  it('refuses 32 unauthenticated tricklers at once, before their bodies, and real batches go through meanwhile', async () => {
    const port = await start();
    const tricklers = Array.from({ length: defaultIngestLimits.maxInFlight }, () => trickle(port));
    await waitFor(() => tricklers.every((t) => t.answer().startsWith('HTTP/1.1 401')), { what: 'a 401 for every trickler', timeoutMs: 5_000 });
    for (let i = 0; i < 5; i++) expect(await postBatch(port)).toBe(200);
    // a wrong token is no better than none
    const wrong = trickle(port, 'Bearer not-a-token-of-any-cluster');
    await waitFor(() => wrong.answer().startsWith('HTTP/1.1 401'), { what: 'a 401 for a wrong token', timeoutMs: 5_000 });
  });

  it('cuts off an authenticated client that stops sending, and its place in the capacity is free again', async () => {
    const port = await start({ limits: { ...defaultIngestLimits, maxInFlight: 1 }, timeouts: { headersMs: 1_000, idleMs: 1_000, requestMs: 2_000 } });
    const stalled = trickle(port, `Bearer ${ingestToken.token}`);
    // it holds the one place while it trickles
    await waitFor(async () => (await postBatch(port)) === 429, { what: 'ingest at capacity', timeoutMs: 5_000 });
    await waitFor(() => stalled.closed(), { what: 'the slow client cut off', timeoutMs: 10_000 });
    expect(await postBatch(port)).toBe(200);
  });

  it('has timeouts by default', () => {
    expect(defaultIngestTimeouts).toEqual({ headersMs: 10_000, idleMs: 30_000, requestMs: 120_000 });
  });
});
