import { groupIds, topicNames, type Bus } from '#shared/bus';
import { configError, type AnalyzerConfig } from '#shared/config';
import { createEngine, RbacRegistry } from '#shared/engine';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { createAnalyzer, type Analyzer } from './consumer.js';

export async function runAnalyzer({ config, bus, logger, lifecycle }: {
  config: AnalyzerConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
}): Promise<Analyzer> {
  const rbac = new RbacRegistry();
  if (config.rbacSnapshot !== undefined) {
    try {
      const { loaded, skipped } = await rbac.loadSnapshotFile(config.rbacSnapshot);
      logger.info({ file: config.rbacSnapshot, loaded, skipped }, 'RBAC snapshot loaded');
    } catch (err) {
      throw configError('KAUDIT_RBAC_SNAPSHOT', `cannot load ${config.rbacSnapshot}: ${(err as Error).message}`);
    }
  }
  const analyzer = createAnalyzer({
    bus,
    engine: createEngine({ rbac }),
    topics: topicNames(config.bus.topicPrefix),
    groupId: groupIds(config.bus.topicPrefix).analyzer,
    logger: logger.child({ component: 'analyzer' }),
  });
  lifecycle.onShutdown('drain', 'analyzer', () => analyzer.stop());
  await analyzer.start();
  return analyzer;
}
