// Ingest past capacity on loopback: autocannon with far more connections than ingest admits at once, for a
// bounded time, against the webhook on the embedded bus (fsync per batch, as `npm start`). Prints accepted
// events/s, latency percentiles of acknowledged batches, the shed rate (429 + Retry-After) and peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { listeningPort } from '#shared/http';
import { silentLogger } from '#shared/logging';
import { sampleEvent } from '#shared/samples';
import { buildIngestApp, defaultIngestLimits } from '../services/ingest/src/app.js';

export interface OverloadFigures {
  seconds: number;
  connections: number;
  eventsPerBatch: number;
  maxInFlight: number;
  acceptedEventsPerSec: number;
  acknowledgedBatches: number;
  shedBatches: number;
  shedRate: number;
  otherFailures: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  peakRssMiB: number;
  storedEvents: number;
}

export async function benchOverload({ seconds = 15, connections = 256, eventsPerBatch = 100 } = {}): Promise<OverloadFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-overload-'));
  const topics = topicNames('ovl.');
  const bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger: silentLogger() });
  await bus.start();
  const token = { cluster: 'bench', token: 'bench-ingest-token-0123456789' };
  const app = buildIngestApp({ bus, topics, tokens: [token], bodyLimit: 16 << 20, logger: silentLogger(), limits: defaultIngestLimits });
  await app.listen({ host: '127.0.0.1', port: 0 });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const items = Array.from({ length: eventsPerBatch }, (_, i) => sampleEvent({ auditID: `ovl-${String(i)}`, stageTimestamp: '2026-11-27T12:00:00.000000Z' }));
    const result = await autocannon({
      url: `http://127.0.0.1:${String(listeningPort(app.server))}/v1/webhook`,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }),
    });
    const ok = result['2xx'];
    const shed = result.statusCodeStats?.['429']?.count ?? 0;
    await new Promise((r) => setTimeout(r, 500));
    const storedEvents = (await bus.readAll(topics.events)).length;
    return {
      seconds,
      connections,
      eventsPerBatch,
      maxInFlight: defaultIngestLimits.maxInFlight,
      acceptedEventsPerSec: Math.round((ok * eventsPerBatch) / seconds),
      acknowledgedBatches: ok,
      shedBatches: shed,
      shedRate: Math.round((shed / Math.max(1, ok + shed)) * 1000) / 1000,
      otherFailures: result.non2xx - shed + result.errors + result.timeouts,
      // autocannon's latency covers every response, the quick 429s included
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      peakRssMiB: Math.round(peak / 2 ** 20),
      storedEvents,
    };
  } finally {
    clearInterval(sampler);
    await app.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
