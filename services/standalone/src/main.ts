import { loadStandaloneConfig } from '#shared/config';
import { createLifecycle, runMain } from '#shared/lifecycle';
import { createLogger } from '#shared/logging';
import { runStandalone } from './run.js';
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
  const { ingest, api } = await runStandalone({ config, logger, lifecycle, clientId: 'kaudit-standalone' });
  logger.info(
    {
      bus: config.ingest.bus.kind,
      webhook: `${config.ingest.tls ? 'https' : 'http'}://${config.ingest.host}:${String(config.ingest.port)}/v1/webhook`,
      api: `${config.store.tls ? 'https' : 'http'}://${config.store.host}:${String(config.store.port)}/v1`,
      db: config.store.dbFile,
      ingestAddresses: ingest.addresses(),
      apiAddresses: api.addresses(),
    },
    'kaudit ready',
  );
});
