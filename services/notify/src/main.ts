import { topicNames } from '#shared/bus';
import { loadNotifyConfig } from '#shared/config';
import { createHttpApp, registerHealthRoutes } from '#shared/http';
import { createMetricsRegistry } from '#shared/metrics';
import { serviceMain } from '#shared/runtime';
import { readNotifyFile } from './notify-file.js';
import { runNotify } from './service.js';

// The notify service on its own (microservice mode): findings from the bus to the outputs of
// KAUDIT_NOTIFY_FILE; /healthz, /readyz (not ready while an output has been failing for over a minute)
// and /metrics on KAUDIT_NOTIFY_PORT.

serviceMain({
  name: 'kaudit-notify',
  load: () => {
    const config = loadNotifyConfig();
    // a mistake in the file stops the start before anything connects
    return { ...config, file: readNotifyFile(config.notifyFile) };
  },
  run: async ({ config, bus, logger, lifecycle }) => {
    const registry = createMetricsRegistry('notify');
    const prefix = config.bus.topicPrefix;
    const notify = await runNotify({ file: config.file, secrets: config.notifySecrets, bus, topics: topicNames(prefix), prefix, logger, lifecycle, registry });
    const app = createHttpApp({ logger: logger.child({ component: 'notify-http' }) });
    registerHealthRoutes(app, { isReady: () => bus.isReady(), registry, stalled: () => notify.stalled(), metricsToken: config.metricsToken });
    lifecycle.onShutdown('stop-accepting', 'notify-http', () => app.close());
    await app.listen({ host: config.host, port: config.port });
    logger.info({ port: config.port }, 'notify delivering; health and metrics served');
  },
});
