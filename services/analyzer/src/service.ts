import { groupIds, topicNames, type Bus } from '#shared/bus';
import type { AnalyzerConfig } from '#shared/config';
import { createEngine } from '#shared/engine';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { createAnalyzer, type Analyzer } from './consumer.js';

export async function runAnalyzer({ config, bus, logger, lifecycle }: {
  config: AnalyzerConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
}): Promise<Analyzer> {
  const analyzer = createAnalyzer({
    bus,
    engine: createEngine(),
    topics: topicNames(config.bus.topicPrefix),
    groupId: groupIds(config.bus.topicPrefix).analyzer,
    logger: logger.child({ component: 'analyzer' }),
  });
  lifecycle.onShutdown('drain', 'analyzer', () => analyzer.stop());
  await analyzer.start();
  return analyzer;
}
