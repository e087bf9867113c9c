import type { FastifyInstance } from 'fastify';
import { groupIds, topicNames, type Bus } from '#shared/bus';
import type { StoreConfig } from '#shared/config';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { configError } from '#shared/config';
import { EngineFileError, tuningFromFile, type Tuning } from '#shared/engine';
import { openDatabase, startRetention } from '#shared/storage';
import { createConsumerMetrics, createMetricsRegistry } from '#shared/metrics';
import type { Registry } from 'prom-client';
import { buildStoreApp } from './app.js';
import { createSink } from './sink.js';
import { createFindingsFeed } from './console/feed.js';
import { busTriageLog, restoreTriage } from './triage/log.js';

export async function runStore({ config, bus, logger, lifecycle, moreMetrics = [], moreStalled = () => [] }: {
  config: StoreConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
  /** registries of other services in this process, appended to /metrics (npm start: the analyzer) */
  moreMetrics?: Registry[];
  /** stalled consumers of other services in this process, named by /readyz (npm start: the analyzer) */
  moreStalled?: () => string[];
}): Promise<FastifyInstance> {
  const registry = createMetricsRegistry('store');
  let tuning: Tuning;
  try {
    tuning = tuningFromFile(config.rulesFile);
  } catch (err) {
    throw err instanceof EngineFileError ? configError('KAUDIT_RULES_FILE', err.reason) : err;
  }
  const db = await openDatabase(config.dbFile);
  lifecycle.onShutdown('close', 'duckdb', () => db.close());
  if (config.retentionDays !== undefined) {
    const retention = startRetention({ db, days: config.retentionDays, lake: config.lakeDir, logger: logger.child({ component: 'retention' }) });
    lifecycle.onShutdown('drain', 'retention', () => retention.stop());
  }
  const topics = topicNames(config.bus.topicPrefix);
  // triage lives on its topic: a new (or rebuilt) file gets it back before the API serves
  const restored = await restoreTriage({ bus, topic: topics.triage, db, logger });
  if (restored > 0) logger.info({ actions: restored }, 'triage restored from the bus');
  const sinkMetrics = createConsumerMetrics(registry, 'store');
  const feed = createFindingsFeed();
  const sink = createSink({
    bus,
    db,
    topics,
    groupId: groupIds(config.bus.topicPrefix).store,
    logger: logger.child({ component: 'store-sink' }),
    metrics: sinkMetrics,
    onFindings: (findings) => {
      feed.publish(findings);
    },
  });
  lifecycle.onShutdown('drain', 'store-sink', () => sink.stop());
  await sink.start();
  const app = await buildStoreApp({
    db,
    tokens: config.tokens,
    rules: tuning.catalogue,
    logger: logger.child({ component: 'query-api' }),
    isReady: () => bus.isReady(),
    stalled: () => [...sinkMetrics.stalled().map((s) => `store ${s}`), ...moreStalled()],
    rateLimitPerMinute: config.rateLimitPerMinute,
    https: config.tls === undefined ? undefined : { cert: config.tls.cert, key: config.tls.key },
    registry,
    moreMetrics,
    retentionDays: config.retentionDays,
    lakeDir: config.lakeDir,
    authFailuresPerMinute: config.authFailuresPerMinute,
    metricsToken: config.metricsToken,
    feed,
    triageLog: busTriageLog(bus, topics.triage),
  });
  lifecycle.onShutdown('stop-accepting', 'query-api', () => app.close());
  await app.listen({ host: config.host, port: config.port });
  return app;
}
