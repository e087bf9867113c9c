import { groupIds, topicNames, type Bus } from '#shared/bus';
import { configError, type AnalyzerConfig } from '#shared/config';
import { builtinRules, createEngine, createRedactor, loadTuning, RbacRegistry, type Tuning } from '#shared/engine';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import type { Registry } from 'prom-client';
import { createHttpApp, registerHealthRoutes } from '#shared/http';
import type { FastifyInstance } from 'fastify';
import { createAnalyzer, type Analyzer } from './consumer.js';
import { errorMessage } from '#shared/errors';

export async function runAnalyzer({ config, bus, logger, lifecycle, registry }: {
  config: AnalyzerConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
  /** where the analyzer reports (its own HTTP port in microservice mode, the API's /metrics in npm start) */
  registry?: Registry;
}): Promise<Analyzer> {
  const rbac = new RbacRegistry();
  if (config.rbacSnapshot !== undefined) {
    try {
      const { loaded, skipped } = await rbac.loadSnapshotFile(config.rbacSnapshot);
      logger.info({ file: config.rbacSnapshot, loaded, skipped }, 'RBAC snapshot loaded');
    } catch (err) {
      throw configError('KAUDIT_RBAC_SNAPSHOT', `cannot load ${config.rbacSnapshot}: ${errorMessage(err)}`);
    }
  }
  let tuning: Tuning;
  try {
    tuning = loadTuning(builtinRules, config.rulesFile);
  } catch (err) {
    throw configError('KAUDIT_RULES_FILE', errorMessage(err));
  }
  logger.info({ rules: tuning.rules.length, file: config.rulesFile ?? null }, 'rules loaded');
  if (config.redactionKey === undefined) {
    logger.warn('KAUDIT_REDACTION_KEY is not set: redaction markers use a random key and compare only within this process');
  }
  const analyzer = createAnalyzer({
    bus,
    engine: createEngine({ rbac, rules: tuning.rules, settings: tuning.settings, redact: createRedactor(config.redactionKey) }),
    topics: topicNames(config.bus.topicPrefix),
    groupId: groupIds(config.bus.topicPrefix).analyzer,
    logger: logger.child({ component: 'analyzer' }),
    ...(registry ? { registry } : {}),
  });
  lifecycle.onShutdown('drain', 'analyzer', () => analyzer.stop());
  await analyzer.start();
  return analyzer;
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
