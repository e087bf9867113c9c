import { groupIds, topicNames, type Bus } from '#shared/bus';
import { configError, type AnalyzerConfig } from '#shared/config';
import { EngineFileError } from '#shared/engine';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import type { Registry } from 'prom-client';
import { createHttpApp, registerHealthRoutes } from '#shared/http';
import type { FastifyInstance } from 'fastify';
import { createAnalyzer, type Analyzer } from './consumer.js';
import { startEngineThread } from './engine-thread.js';
import { packValues } from '#shared/threads';

export async function runAnalyzer({ config, bus, logger, lifecycle, registry }: {
  config: AnalyzerConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
  /** where the analyzer reports (its own HTTP port in microservice mode, the API's /metrics in npm start) */
  registry?: Registry;
}): Promise<Analyzer> {
  const topics = topicNames(config.bus.topicPrefix);
  const log = logger.child({ component: 'analyzer' });
  let analyzer: Analyzer | undefined;
  const start = async (): Promise<Analyzer> => {
    let runner: Awaited<ReturnType<typeof startEngineThread>>;
    try {
      // with several partitions, ingest writes pace copies, on which the rules about a whole log run; a thread
      // started after one died takes back the partitions the analyzer owns (none before it starts)
      const partitions = await bus.partitions(topics.events);
      runner = await startEngineThread({ files: { ...config, paced: partitions > 1, partitions }, state: () => analyzer?.restoreRequest() ?? Promise.resolve({ partitions: [], keys: [], values: packValues([]) }), logger: log });
    } catch (err) {
      if (!(err instanceof EngineFileError)) throw err;
      if (err.setting === 'rulesFile') throw configError('KAUDIT_RULES_FILE', err.reason);
      throw configError('KAUDIT_RBAC_SNAPSHOT', `cannot load ${err.file}: ${err.reason}`);
    }
    const { rules, snapshot } = runner.loaded;
    if (snapshot) logger.info({ file: config.rbacSnapshot, ...snapshot }, 'RBAC snapshot loaded');
    logger.info({ rules, file: config.rulesFile ?? null }, 'rules loaded');
    if (config.redactionKey === undefined) {
      logger.warn('KAUDIT_REDACTION_KEY is not set: redaction markers use a random key and compare only within this process');
    }
    analyzer = createAnalyzer({
      bus,
      engine: runner,
      topics,
      groupId: groupIds(config.bus.topicPrefix).analyzer,
      logger: log,
      ...(registry ? { registry } : {}),
    });
    await analyzer.start();
    return analyzer;
  };
  const started = start();
  // Registered before the engine's thread is up (it takes a moment): a signal meanwhile still drains the
  // analyzer, once it has started, before the bus is closed.
  lifecycle.onShutdown('drain', 'analyzer', async () => {
    await started.catch(() => undefined);
    await analyzer?.stop();
  });
  return started;
}

/** The analyzer's own HTTP port in microservice mode: liveness, readiness (bus connected) and metrics. */
export async function serveAnalyzerHealth({ config, bus, logger, lifecycle, registry, analyzer }: {
  config: AnalyzerConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
  registry: Registry;
  analyzer: Analyzer;
}): Promise<FastifyInstance> {
  const app = createHttpApp({ logger: logger.child({ component: 'analyzer-http' }) });
  registerHealthRoutes(app, { isReady: () => bus.isReady(), registry, stalled: () => analyzer.stalled(), metricsToken: config.metricsToken });
  lifecycle.onShutdown('stop-accepting', 'analyzer-http', () => app.close());
  await app.listen({ host: config.host, port: config.port });
  return app;
}
