// Ingest, analyzer, store and query API in one process over one bus, as `npm start` runs them. The test
// pipeline and the latency benchmark start the same wiring from their own configuration.
import type { FastifyInstance } from 'fastify';
import { createBus, type Bus } from '#shared/bus';
import type { StandaloneConfig } from '#shared/config';
import { createMetricsRegistry } from '#shared/metrics';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import type { Analyzer } from '../../analyzer/src/consumer.js';
import { runAnalyzer } from '../../analyzer/src/service.js';
import { runIngest } from '../../ingest/src/service.js';
import { runStore } from '../../store/src/service.js';
import { readNotifyFile } from '../../notify/src/notify-file.js';
import { runNotify } from '../../notify/src/service.js';
import { topicNames } from '#shared/bus';

export interface Standalone {
  bus: Bus;
  ingest: FastifyInstance;
  api: FastifyInstance;
}

export async function runStandalone({ config, logger, lifecycle, clientId }: {
  config: StandaloneConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  clientId: string;
}): Promise<Standalone> {
  const bus = createBus({ config: config.ingest.bus, clientId, logger });
  lifecycle.onShutdown('flush', 'bus', () => bus.close());
  await bus.start();
  // One process: the analyzer reports on the query API's /metrics (without a second copy of process metrics).
  const analyzerMetrics = createMetricsRegistry('analyzer', { processMetrics: false });
  // read before anything starts: a wrong file stops the start with its reason
  const notifyFile = config.notifyFile === undefined ? undefined : readNotifyFile(config.notifyFile);
  const notifyMetrics = createMetricsRegistry('notify', { processMetrics: false });
  // the analyzer starts after the store (it is the store's input): its stalls are looked up late
  const late: { analyzer?: Analyzer } = {};
  const api = await runStore({ config: config.store, bus, logger, lifecycle, moreMetrics: [analyzerMetrics, ...(notifyFile === undefined ? [] : [notifyMetrics])], moreStalled: () => (late.analyzer?.stalled() ?? []).map((s) => `analyzer ${s}`) });
  // The webhook listens before the analyzer has restored its rule state (a large state takes a while to
  // read): batches are acknowledged once on the bus and wait there for the analyzer; none is refused.
  const ingest = await runIngest({ config: config.ingest, bus, logger, lifecycle });
  late.analyzer = await runAnalyzer({ config: config.analyzer, bus, logger, lifecycle, registry: analyzerMetrics });
  if (notifyFile !== undefined) {
    const prefix = config.ingest.bus.topicPrefix;
    await runNotify({ file: notifyFile, secrets: config.notifySecrets, bus, topics: topicNames(prefix), prefix, logger: logger.child({ component: 'notify' }), lifecycle, registry: notifyMetrics });
  }
  return { bus, ingest, api };
}
