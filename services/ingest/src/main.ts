import { createBus } from '#shared/bus';
import { loadIngestConfig } from '#shared/config';
import { createLifecycle, runMain } from '#shared/lifecycle';
import { createLogger } from '#shared/logging';
import { runIngest } from './service.js';

runMain(async () => {
  const config = loadIngestConfig();
  const logger = createLogger({ name: 'kaudit-ingest', level: config.logLevel });
  const lifecycle = createLifecycle({ logger });
  lifecycle.handleSignals();
  const bus = createBus({ config: config.bus, clientId: 'kaudit-ingest', logger });
  lifecycle.onShutdown('flush', 'bus', () => bus.close());
  await bus.start();
  const app = await runIngest({ config, bus, logger, lifecycle });
  logger.info({ addresses: app.addresses() }, 'ingest listening');
});
