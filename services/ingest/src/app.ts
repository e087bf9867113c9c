import type { FastifyInstance } from 'fastify';
import type { Bus, Topics } from '#shared/bus';
import type { IngestToken } from '#shared/config';
import { createHttpApp, createMetricsRegistry, registerHealthRoutes, replyHttpError, type HttpsOptions } from '#shared/http';
import type { Logger } from '#shared/logging';
import { defaultEventLimits, type EventLimits } from './accept-batch.js';
import { shedLoad } from './shed-load.js';
import { webhookRoutes } from './routes/webhook.js';

export interface IngestAppDeps {
  bus: Bus;
  topics: Topics;
  tokens: IngestToken[];
  bodyLimit: number;
  logger: Logger;
  now?: () => Date;
  /** HTTPS; with a client CA, clusters may authenticate with client certificates */
  https?: HttpsOptions | undefined;
  /** client certificate subject CN → cluster */
  clientCertClusters?: ReadonlyMap<string, string>;
  /**
   * Load shedding (requests and request bytes in flight before new ones get 429 + Retry-After) and
   * per-event limits (larger or deeper events go to the DLQ).
   */
  limits?: IngestLimits;
}

export interface IngestLimits extends EventLimits {
  maxInFlight: number;
  maxInFlightBytes: number;
}
export const defaultIngestLimits: IngestLimits = { maxInFlight: 32, maxInFlightBytes: 256 * 1024 * 1024, ...defaultEventLimits };

/** Builds the webhook receiver. It never listens: main.ts does, tests use app.inject(). */
export function buildIngestApp({
  bus,
  topics,
  tokens,
  bodyLimit,
  logger,
  now = () => new Date(),
  https,
  clientCertClusters = new Map(),
  limits = defaultIngestLimits,
}: IngestAppDeps): FastifyInstance {
  const app = createHttpApp({ logger, bodyLimit, https });
  // Every body is taken as raw bytes: the route decodes gzip and JSON itself to answer precisely.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) =>
    replyHttpError(reply, err, { logger, what: 'ingest request', messages: { 413: `body exceeds the limit of ${String(bodyLimit)} bytes` } }),
  );
  const registry = createMetricsRegistry('ingest');
  registerHealthRoutes(app, { isReady: () => bus.isReady(), registry });
  shedLoad(app, { ...limits, bodyLimit, registry });
  webhookRoutes(app, { bus, topics, tokens, clientCertClusters, bodyLimit, logger, registry, now, eventLimits: limits });
  return app;
}
