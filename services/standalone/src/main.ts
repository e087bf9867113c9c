import { loadStandaloneConfig, needsGeneratedTls, withGeneratedTls } from '#shared/config';
import { createLifecycle, runMain } from '#shared/lifecycle';
import { createLogger } from '#shared/logging';
import { ensureGeneratedTls } from './generated-tls.js';
import { runStandalone } from './run.js';
import { generatedRedactionKey, generatedTokens, privateDataDir } from './tokens.js';

// `npm start`: ingest + analyzer + store + query API in one process. Embedded durable bus unless
// KAFKA_BROKERS is set, in which case the same components talk to Kafka.
runMain(async () => {
  let announced = '';
  let config = loadStandaloneConfig(
    process.env,
    (dataDir) =>
      generatedTokens(dataDir, (m) => {
        announced = m;
      }),
    generatedRedactionKey,
  );
  privateDataDir(config.ingest.dataDir);
  const logger = createLogger({ name: 'kaudit', level: config.ingest.logLevel });
  if (announced !== '') logger.info(announced);
  let kubeconfigs: { cluster: string; token: string; mtls: string }[] = [];
  if (needsGeneratedTls(config)) {
    const generated = await ensureGeneratedTls({ dataDir: config.ingest.dataDir, host: config.ingest.host, port: config.ingest.port, tokens: config.ingest.tokens });
    config = withGeneratedTls(config, generated);
    kubeconfigs = generated.kubeconfigs;
    logger.info(
      { ca: generated.caFile, issued: generated.issued, kubeconfigs },
      `TLS: ${generated.issued.length > 0 ? 'generated' : 'using'} certificates under ${generated.dir} (CA ${generated.caFile}); ` +
        `kube-apiserver: --audit-webhook-config-file=${kubeconfigs.map((k) => k.token).join(' | ')}`,
    );
  }
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
      ...(kubeconfigs.length > 0 ? { webhookKubeconfigs: kubeconfigs.map((k) => k.token) } : {}),
    },
    'kaudit ready',
  );
});
