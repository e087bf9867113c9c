import type { FastifyInstance } from 'fastify';
import { topicNames, type Bus } from '#shared/bus';
import { configError, type IngestConfig } from '#shared/config';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { buildIngestApp } from './app.js';

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Starts the webhook receiver on an already started bus; returns the listening app. */
export async function runIngest({ config, bus, logger, lifecycle }: {
  config: IngestConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
}): Promise<FastifyInstance> {
  // Plain HTTP carries cluster tokens and audit data: loopback only unless explicitly allowed.
  if (!loopback.test(config.host) && !config.allowPlaintextRemote) {
    throw configError(
      'KAUDIT_HOST',
      `plain HTTP ingest listens on loopback only; set KAUDIT_ALLOW_PLAINTEXT_REMOTE=true to listen on ${config.host}`,
    );
  }
  const app = buildIngestApp({
    bus,
    topics: topicNames(config.bus.topicPrefix),
    tokens: config.tokens,
    bodyLimit: config.bodyLimit,
    logger: logger.child({ component: 'ingest' }),
  });
  lifecycle.onShutdown('stop-accepting', 'ingest-http', () => app.close());
  await app.listen({ host: config.host, port: config.port });
  return app;
}
