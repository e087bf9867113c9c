// npm start's wiring on free loopback ports (plain HTTP), configured from the environment npm start would
// read: what the test pipeline and the benchmarks run, each stating only what differs.
import { loadStandaloneConfig, type ApiToken, type IngestToken, type StandaloneConfig } from '#shared/config';
import { listeningPort } from '#shared/http';
import { createLifecycle, type Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { runStandalone, type Standalone } from './run.js';

export interface LoopbackOptions {
  dataDir: string;
  ingestToken: IngestToken;
  apiTokens: readonly ApiToken[];
  redactionKey: string;
  logger: Logger;
  clientId: string;
  /** Kafka brokers; the embedded bus without them. */
  brokers?: readonly string[];
  /** More environment variables (KAUDIT_…), laid over the loopback defaults. */
  env?: Readonly<Record<string, string>>;
}

export interface Loopback extends Standalone {
  config: StandaloneConfig;
  lifecycle: Lifecycle;
  webhookUrl: string;
  apiUrl: string;
}

export function loopbackEnv(o: Omit<LoopbackOptions, 'logger' | 'clientId'>): Record<string, string> {
  return {
    KAUDIT_DATA_DIR: o.dataDir,
    KAUDIT_INGEST_PORT: '0',
    KAUDIT_API_PORT: '0',
    KAUDIT_ALLOW_PLAINTEXT: 'true',
    ...(o.brokers ? { KAFKA_BROKERS: o.brokers.join(',') } : {}),
    KAUDIT_INGEST_TOKENS: `${o.ingestToken.cluster}=${o.ingestToken.token}`,
    KAUDIT_API_TOKENS: o.apiTokens.map((t) => `${t.name}:${t.role}=${t.token}`).join(','),
    KAUDIT_REDACTION_KEY: o.redactionKey,
    ...o.env,
  };
}

export async function startLoopback(o: LoopbackOptions): Promise<Loopback> {
  const config = loadStandaloneConfig(loopbackEnv(o));
  const lifecycle = createLifecycle({ logger: o.logger });
  const s = await runStandalone({ config, logger: o.logger, lifecycle, clientId: o.clientId });
  return {
    ...s,
    config,
    lifecycle,
    webhookUrl: `http://127.0.0.1:${String(listeningPort(s.ingest.server))}/v1/webhook`,
    apiUrl: `http://127.0.0.1:${String(listeningPort(s.api.server))}`,
  };
}
