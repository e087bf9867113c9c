// Operations: /metrics (prom-client) on every service — ingest received/acknowledged/rejected, the
// analyzer's events analysed and dead-lettered, findings by rule, batch time and consumer lag, the store's
// rows written — and the analyzer's own health and metrics port in microservice mode.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { loadAnalyzerConfig } from '#shared/config';
import { listeningPort } from '#shared/http';
import { createMetricsRegistry } from '#shared/metrics';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import { corpusBatch, eventList } from '#shared/testing';
import { runAnalyzer, serveAnalyzerHealth } from '../../services/analyzer/src/service.js';
import { getJson, postEvents, pipelineForSuite, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';

/** The value of one sample of a Prometheus text exposition (labels given as they are written). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics', () => {
  let p: Pipeline;
  pipelineForSuite((started) => (p = started));

  it('counts what ingest received and acknowledged, what the analyzer analysed and found, and what the store wrote, with lag and batch times', async () => {
    const batch = corpusBatch();
    expect((await postEvents(p, eventList(batch.items))).status).toBe(200);
    await waitFor(async () => (await getJson<{ items: unknown[] }>(p, '/v1/events?limit=1000')).items.length === batch.valid, { what: 'records stored' });
    const ingest = await (await fetch(`${p.webhookUrl.replace('/v1/webhook', '')}/metrics`)).text();
    expect(sample(ingest, 'kaudit_ingest_events_total', { outcome: 'accepted' })).toBe(batch.valid);
    expect(sample(ingest, 'kaudit_ingest_events_total', { outcome: 'rejected' })).toBe(batch.malformed);
    expect(sample(ingest, 'kaudit_ingest_batches_total', { status: '200' })).toBe(1);

    const api = await waitFor(
      async () => {
        const text = await (await fetch(`${p.apiUrl}/metrics`)).text();
        return (sample(text, 'kaudit_consumer_messages_total', { component: 'store', outcome: 'stored' }) ?? 0) > 0 ? text : undefined;
      },
      { what: 'store metrics' },
    );
    expect(sample(api, 'kaudit_consumer_messages_total', { component: 'analyzer', outcome: 'analyzed' })).toBe(batch.valid);
    expect(sample(api, 'kaudit_findings_total', { rule: batch.expectedFindings[0]?.ruleId ?? '?' })).toBeGreaterThan(0);
    expect(sample(api, 'kaudit_consumer_lag', { component: 'analyzer' })).toBe(0);
    expect(sample(api, 'kaudit_consumer_batch_seconds_count', { component: 'analyzer' })).toBeGreaterThan(0);
    // one copy of the process metrics on a port, though the analyzer reports there too
    expect(api.split('\n').filter((l) => l.startsWith('# TYPE process_cpu_user_seconds_total')).length).toBe(1);
  });
});

describe('analyzer health port (microservice mode)', () => {
  it('serves /healthz, /readyz (bus connected) and /metrics on KAUDIT_ANALYZER_PORT', async () => {
    const topics = topicNames('ah.');
    const bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-ah-')), topics: allTopics(topics), logger: silentLogger() });
    const lifecycle = createLifecycle({ logger: silentLogger(), exit: () => undefined });
    try {
      await bus.start();
      const config = loadAnalyzerConfig({ KAUDIT_ANALYZER_PORT: '0', KAUDIT_TOPIC_PREFIX: 'ah.' });
      const registry = createMetricsRegistry('analyzer');
      const analyzer = await runAnalyzer({ config, bus, logger: silentLogger(), lifecycle, registry });
      const app = await serveAnalyzerHealth({ config, bus, logger: silentLogger(), lifecycle, registry, analyzer });
      const base = `http://127.0.0.1:${String(listeningPort(app.server))}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('service="analyzer"');
    } finally {
      await lifecycle.shutdown('test');
      await bus.close();
    }
  });
});
