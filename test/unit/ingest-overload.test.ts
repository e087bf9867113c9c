// Overload: the webhook sheds load with 429 + Retry-After instead of queueing without bound, memory stays
// bounded, and nothing it acknowledged is lost. A gate on the bus makes "at capacity" deterministic; then a
// bounded autocannon run on loopback (a few seconds, far more connections than the limit) checks the same
// guarantees under real concurrency. Figures for the closing note come from `npm run bench -- overload`.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import { listeningPort } from '#shared/http';
import { silentLogger } from '#shared/logging';
import { auditEventOf, eventList } from '#shared/testing';
import { buildIngestApp, defaultIngestLimits } from '../../services/ingest/src/app.js';
import { ingestToken } from '../helpers/pipeline.js';

const topics = topicNames('ovl.');
const batchOf = (tag: string, n: number) => JSON.stringify(eventList(Array.from({ length: n }, (_, i) => auditEventOf({ auditID: `${tag}-${String(i)}` }))));

describe('ingest under overload', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(limits: { maxInFlight: number; maxInFlightBytes: number }, wrap: (bus: Bus) => Bus = (b) => b) {
    const bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-ovl-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    cleanup.push(() => bus.close());
    const app: FastifyInstance = buildIngestApp({ bus: wrap(bus), topics, tokens: [ingestToken], bodyLimit: 1 << 20, logger: silentLogger(), limits: { ...defaultIngestLimits, ...limits } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => app.close());
    return { bus, url: `http://127.0.0.1:${String(listeningPort(app.server))}/v1/webhook` };
  }
  const post = (url: string, body: string) =>
    fetch(url, { method: 'POST', headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' }, body });

  it('answers 429 + Retry-After beyond the requests in flight, and acknowledges the admitted batches once the bus has them (sheds instead of queueing)', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { bus, url } = await start({ maxInFlight: 3, maxInFlightBytes: 1 << 30 }, (b) => {
      const slow: Bus = Object.create(b) as Bus;
      slow.produce = async (topic, messages) => {
        await gate;
        return b.produce(topic, messages);
      };
      return slow;
    });
    const admitted = [0, 1, 2].map((i) => post(url, batchOf(`a${String(i)}`, 10)));
    await new Promise((r) => setTimeout(r, 200));
    const shed = await Promise.all([3, 4, 5, 6].map((i) => post(url, batchOf(`s${String(i)}`, 10))));
    expect(shed.map((r) => r.status)).toEqual([429, 429, 429, 429]);
    expect(shed.every((r) => r.headers.get('retry-after') === '1')).toBe(true);
    open();
    expect((await Promise.all(admitted)).map((r) => r.status)).toEqual([200, 200, 200]);
    const stored = (await bus.readAll(topics.events)).length;
    expect(stored).toBe(30);
    // capacity is back: the next batch is taken
    expect((await post(url, batchOf('after', 5))).status).toBe(200);
  });

  it('counts bytes in flight too: a batch that would exceed the byte budget waits its turn (429)', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const big = batchOf('big', 200);
    const { url } = await start({ maxInFlight: 100, maxInFlightBytes: Buffer.byteLength(big) + 100 }, (b) => {
      const slow: Bus = Object.create(b) as Bus;
      slow.produce = async (topic, messages) => {
        await gate;
        return b.produce(topic, messages);
      };
      return slow;
    });
    const first = post(url, big);
    await new Promise((r) => setTimeout(r, 200));
    expect((await post(url, big)).status).toBe(429);
    open();
    expect((await first).status).toBe(200);
  });

  it('under a bounded load test far past capacity: only 200 or 429, every acknowledged event stored, memory bounded (no loss under overload)', async () => {
    const { bus, url } = await start({ maxInFlight: 4, maxInFlightBytes: 64 << 20 });
    const perBatch = 50;
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const result = await autocannon({
      url,
      method: 'POST',
      connections: 64,
      duration: 4,
      headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' },
      body: batchOf('load', perBatch),
    });
    clearInterval(sampler);
    const ok = result['2xx'];
    const shed = result.statusCodeStats?.['429']?.count ?? 0;
    expect(ok).toBeGreaterThan(0);
    expect(shed).toBeGreaterThan(0);
    expect(result.non2xx).toBe(shed);
    expect(result.errors + result.timeouts).toBe(0);
    // The same body every time: auditIDs repeat, but every acknowledged copy is its own message on the topic.
    // autocannon stops counting at the deadline; requests still in flight then (at most one per connection)
    // may have been stored without their 200 being counted.
    await new Promise((r) => setTimeout(r, 500));
    const stored = (await bus.readAll(topics.events)).length;
    expect(stored).toBeGreaterThanOrEqual(ok * perBatch);
    expect(stored).toBeLessThanOrEqual((ok + 64) * perBatch);
    expect(stored % perBatch).toBe(0);
    expect(peakRss - rssBefore).toBeLessThan(512 * 1024 * 1024);
  });
});
