import { createBus } from '#shared/bus';
import { loadStoreConfig } from '#shared/config';
import { createLifecycle, runMain } from '#shared/lifecycle';
import { createLogger } from '#shared/logging';
import { runStore } from './service.js';

runMain(async () => {
  const config = loadStoreConfig();
  const logger = createLogger({ name: 'kaudit-store', level: config.logLevel });
  const lifecycle = createLifecycle({ logger });
  lifecycle.handleSignals();
  const bus = createBus({ config: config.bus, clientId: 'kaudit-store', logger });
  lifecycle.onShutdown('flush', 'bus', () => bus.close());
  await bus.start();
  const app = await runStore({ config, bus, logger, lifecycle });
  logger.info({ addresses: app.addresses(), db: config.dbFile }, 'store listening');
});
