import { createBus } from '#shared/bus';
import { loadStandaloneConfig } from '#shared/config';
import { createLifecycle, runMain } from '#shared/lifecycle';
import { createMetricsRegistry } from '#shared/http';
import { createLogger } from '#shared/logging';
import { runAnalyzer } from '../../analyzer/src/service.js';
import { runIngest } from '../../ingest/src/service.js';
import { runStore } from '../../store/src/service.js';
import { generatedRedactionKey, generatedTokens } from './tokens.js';

// `npm start`: ingest + analyzer + store + query API in one process. Embedded durable bus unless
// KAFKA_BROKERS is set, in which case the same components talk to Kafka.
runMain(async () => {
  let announced = '';
  const config = loadStandaloneConfig(
    process.env,
    (dataDir) =>
      generatedTokens(dataDir, (m) => {
        announced = m;
      }),
    generatedRedactionKey,
  );
  const logger = createLogger({ name: 'kaudit', level: config.ingest.logLevel });
  if (announced !== '') logger.info(announced);
  const lifecycle = createLifecycle({ logger });
  lifecycle.handleSignals();
  const bus = createBus({ config: config.ingest.bus, clientId: 'kaudit-standalone', logger });
  lifecycle.onShutdown('flush', 'bus', () => bus.close());
  await bus.start();
  // One process: the analyzer reports on the query API's /metrics (without a second copy of process metrics).
  const analyzerMetrics = createMetricsRegistry('analyzer', { processMetrics: false });
  const store = await runStore({ config: config.store, bus, logger, lifecycle, moreMetrics: [analyzerMetrics] });
  await runAnalyzer({ config: config.analyzer, bus, logger, lifecycle, registry: analyzerMetrics });
  const ingest = await runIngest({ config: config.ingest, bus, logger, lifecycle });
  logger.info(
    {
      bus: config.ingest.bus.kind,
      webhook: `${config.ingest.tls ? 'https' : 'http'}://${config.ingest.host}:${String(config.ingest.port)}/v1/webhook`,
      api: `${config.store.tls ? 'https' : 'http'}://${config.store.host}:${String(config.store.port)}/v1`,
      db: config.store.dbFile,
      ingestAddresses: ingest.addresses(),
      apiAddresses: store.addresses(),
    },
    'kaudit ready',
  );
});
