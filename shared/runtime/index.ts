import { createBus, type Bus } from '#shared/bus';
import type { CommonConfig } from '#shared/config';
import { createLifecycle, runMain, type Lifecycle } from '#shared/lifecycle';
import { createLogger, type Logger } from '#shared/logging';

export interface ServiceContext<C> {
  config: C;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
}

/**
 * The whole of a service's main.ts: load its configuration, create logger, lifecycle (signals) and bus,
 * start the bus, then the service. A start-up failure prints one clear line and exits non-zero.
 */
export function serviceMain<C extends CommonConfig>({ name, load, run }: {
  name: string;
  load: () => C;
  run: (ctx: ServiceContext<C>) => Promise<void>;
}): void {
  runMain(async () => {
    const config = load();
    const logger = createLogger({ name, level: config.logLevel });
    const lifecycle = createLifecycle({ logger });
    lifecycle.handleSignals();
    const bus = createBus({ config: config.bus, clientId: name, logger });
    lifecycle.onShutdown('flush', 'bus', () => bus.close());
    await bus.start();
    await run({ config, bus, logger, lifecycle });
  });
}
