import { createBus } from '#shared/bus';
import { loadAnalyzerConfig } from '#shared/config';
import { createLifecycle, runMain } from '#shared/lifecycle';
import { createLogger } from '#shared/logging';
import { runAnalyzer } from './service.js';

runMain(async () => {
  const config = loadAnalyzerConfig();
  const logger = createLogger({ name: 'kaudit-analyzer', level: config.logLevel });
  const lifecycle = createLifecycle({ logger });
  lifecycle.handleSignals();
  const bus = createBus({ config: config.bus, clientId: 'kaudit-analyzer', logger });
  lifecycle.onShutdown('flush', 'bus', () => bus.close());
  await bus.start();
  await runAnalyzer({ config, bus, logger, lifecycle });
  logger.info('analyzer consuming');
});
