// End-to-end latency of one webhook batch with `npm start`'s wiring, on the embedded bus or on Kafka:
// from the POST until its findings can be read from the query API.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, silentLogger } from '#shared/logging';
import { sampleEvent } from '#shared/samples';
import { startLoopback } from '../services/standalone/src/loopback.js';
import { percentile } from './measure.js';

export interface LatencyFigures {
  batches: number;
  eventsPerBatch: number;
  ackP50Ms: number;
  ackP95Ms: number;
  findingsVisibleP50Ms: number;
  findingsVisibleP95Ms: number;
}

const pct = (xs: number[], p: number) => Math.round(percentile(xs, p) * 10) / 10;

export async function benchPipelineLatency({ batches = 30, eventsPerBatch = 100, brokers }: { batches?: number; eventsPerBatch?: number; brokers?: string[] } = {}): Promise<LatencyFigures> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-'));
  const logger = process.argv.includes('--verbose') ? createLogger({ name: 'bench', level: 'debug' }) : silentLogger();
  const topicPrefix = `bench${String(Date.now())}.`;
  const ingestToken = { cluster: 'bench', token: 'bench-ingest-token-0123456789' };
  const apiToken = { name: 'bench', role: 'viewer' as const, token: 'bench-api-token-0123456789' };
  const { lifecycle, webhookUrl, apiUrl } = await startLoopback({
    dataDir,
    brokers,
    ingestToken,
    apiTokens: [apiToken],
    redactionKey: 'bench-redaction-key-0123456789abcdef',
    logger,
    clientId: 'bench',
    env: { KAUDIT_TOPIC_PREFIX: topicPrefix, KAUDIT_TOPIC_PARTITIONS: '3', KAUDIT_API_RATE_LIMIT: '1000000' },
  });
  const acks: number[] = [];
  const visible: number[] = [];
  for (let i = 0; i < batches; i++) {
    const items = Array.from({ length: eventsPerBatch }, (_, j) =>
      sampleEvent({
        auditID: `lat-${String(i)}-${String(j)}`,
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        sourceIPs: ['198.51.100.1'],
        stageTimestamp: new Date(Date.UTC(2026, 10, 27, 0, i, 0, j)).toISOString(),
        annotations: { 'authorization.k8s.io/decision': 'allow' },
      }),
    );
    const t0 = performance.now();
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', items }),
    });
    if (res.status !== 200) throw new Error(`webhook answered ${String(res.status)}`);
    acks.push(performance.now() - t0);
    const last = `lat-${String(i)}-${String(eventsPerBatch - 1)}`;
    for (;;) {
      const r = await fetch(`${apiUrl}/v1/findings?limit=1`, { headers: { authorization: `Bearer ${apiToken.token}` } });
      const body = (await r.json()) as { items: { auditId: string }[] };
      if (body.items.some((f) => f.auditId === last)) break;
      await new Promise((r2) => setTimeout(r2, 2));
    }
    visible.push(performance.now() - t0);
  }
  await lifecycle.shutdown('bench done');
  rmSync(dataDir, { recursive: true, force: true });
  return {
    batches,
    eventsPerBatch,
    ackP50Ms: pct(acks, 50),
    ackP95Ms: pct(acks, 95),
    findingsVisibleP50Ms: pct(visible, 50),
    findingsVisibleP95Ms: pct(visible, 95),
  };
}
