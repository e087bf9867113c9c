import type { FastifyInstance } from 'fastify';
import { topicNames, type Bus } from '#shared/bus';
import { configError, type IngestConfig } from '#shared/config';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { createRedaction } from '#shared/engine';
import { createMetricsRegistry } from '#shared/metrics';
import { buildIngestApp } from './app.js';
import { startAksSource } from './sources/aks.js';
import { startEksSource } from './sources/eks.js';

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Starts the webhook receiver on an already started bus; returns the listening app. */
export async function runIngest({ config, bus, logger, lifecycle }: {
  config: IngestConfig;
  bus: Bus;
  logger: Logger;
  lifecycle: Lifecycle;
}): Promise<FastifyInstance> {
  if (config.tls === undefined) {
    // Plain HTTP carries cluster tokens and audit data: refused unless allowed, and then loopback only
    // unless allowed for remote addresses too.
    if (!config.allowPlaintext) {
      throw configError('KAUDIT_TLS_CERT', 'ingest needs TLS: set KAUDIT_TLS_CERT and KAUDIT_TLS_KEY (or KAUDIT_ALLOW_PLAINTEXT=true for plain HTTP on loopback)');
    }
    if (!loopback.test(config.host) && !config.allowPlaintextRemote) {
      throw configError('KAUDIT_HOST', `plain HTTP ingest listens on loopback only; set KAUDIT_ALLOW_PLAINTEXT_REMOTE=true to listen on ${config.host}`);
    }
    logger.warn({ host: config.host }, 'ingest speaks plain HTTP: audit events and cluster tokens travel unencrypted (set KAUDIT_TLS_CERT and KAUDIT_TLS_KEY)');
  }
  if (config.tls && config.tls.clientCa === undefined && config.clientCertClusters.size > 0) {
    throw configError('KAUDIT_INGEST_CLIENT_CERTS', 'client certificates need the CA that signs them: set KAUDIT_TLS_CLIENT_CA');
  }
  if (config.redactionKey === undefined) {
    logger.warn('KAUDIT_REDACTION_KEY is not set: redaction markers use a random key and compare only within this process');
  }
  const topics = topicNames(config.bus.topicPrefix);
  const redaction = createRedaction(config.redactionKey);
  const registry = createMetricsRegistry('ingest');
  const app = buildIngestApp({
    bus,
    topics,
    tokens: config.tokens,
    bodyLimit: config.bodyLimit,
    logger: logger.child({ component: 'ingest' }),
    https: config.tls,
    clientCertClusters: config.clientCertClusters,
    limits: config.limits,
    redaction,
    authFailuresPerMinute: config.authFailuresPerMinute,
    metricsToken: config.metricsToken,
    registry,
    gke: config.gke,
  });
  lifecycle.onShutdown('stop-accepting', 'ingest-http', () => app.close());
  await app.listen({ host: config.host, port: config.port });
  if (config.aks !== undefined) {
    const aks = await startAksSource({ config: config.aks, bus, topics, logger: logger.child({ component: 'ingest-aks' }), redaction, limits: { maxEventBytes: config.limits.maxEventBytes, maxDepth: config.limits.maxDepth }, registry });
    lifecycle.onShutdown('stop-accepting', 'ingest-aks', () => aks.stop());
  }
  if (config.eks !== undefined) {
    const eks = await startEksSource({ config: config.eks, bus, topics, logger: logger.child({ component: 'ingest-eks' }), redaction, limits: { maxEventBytes: config.limits.maxEventBytes, maxDepth: config.limits.maxDepth }, registry });
    lifecycle.onShutdown('stop-accepting', 'ingest-eks', () => eks.stop());
  }
  return app;
}
