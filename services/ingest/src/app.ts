import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bus, Topics } from '#shared/bus';
import type { GkePushConfig, IngestToken } from '#shared/config';
import { createAuthFailures, defaultAuthFailuresPerMinute, type AuthFailures } from '#shared/auth';
import { createHttpApp, registerHealthRoutes, replyHttpError, type HttpsOptions, type HttpTimeouts } from '#shared/http';
import { createMetricsRegistry } from '#shared/metrics';
import type { Logger } from '#shared/logging';
import { defaultEventLimits, type EventLimits } from '#shared/contracts';
import { Counter, type Registry } from 'prom-client';
import { createRedaction, type Redaction } from '#shared/engine';
import { authenticateWebhook } from './identify.js';
import { shedLoad } from './shed-load.js';
import { firehoseRoute } from './routes/firehose.js';
import { otlpLogsRoute } from './routes/otlp-logs.js';
import { pubsubRoute } from './routes/pubsub.js';
import { createPushTokenVerifier } from './push-token.js';
import { createReceiver } from './routes/receive.js';
import { webhookRoute } from './routes/webhook.js';

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
  /** how long a client may take (defaults: headers 10 s, 30 s without a byte, 120 s for a whole batch) */
  timeouts?: HttpTimeouts;
  /** replaces credentials before events and rejected items reach the bus (default: a random key) */
  redaction?: Redaction;
  /** KAUDIT_AUTH_FAILURES_PER_MINUTE: failed authentications per client address before it gets 429 (default 20) */
  authFailuresPerMinute?: number;
  /** the per-address count of failed authentications itself (tests give one with a clock); made from `authFailuresPerMinute` when absent */
  authFailures?: AuthFailures;
  /** KAUDIT_METRICS_TOKEN: /metrics needs it as a bearer token; undefined: open */
  metricsToken?: string | undefined;
  /** the registry /metrics serves (ingest's sources report there too); made here when absent */
  registry?: Registry;
  /** POST /v1/pubsub for GKE's Cloud Logging entries pushed by Pub/Sub (KAUDIT_GKE_*); undefined: off */
  gke?: GkePushConfig | undefined;
}

export interface IngestLimits extends EventLimits {
  maxInFlight: number;
  maxInFlightBytes: number;
  /** items (events) of one request; a larger batch gets 413 before any item is looked at */
  maxBatchEvents: number;
}
/**
 * A slow or stalled client must not hold a connection, or a place in the capacity, for long: kube-apiserver
 * sends a batch at once, so ten seconds for the headers, thirty without a byte and two minutes for a whole
 * (16 MiB) body are generous.
 */
export const defaultIngestTimeouts: HttpTimeouts = { headersMs: 10_000, idleMs: 30_000, requestMs: 120_000 };
export const defaultIngestLimits: IngestLimits = { maxInFlight: 32, maxInFlightBytes: 256 * 1024 * 1024, maxBatchEvents: 5000, ...defaultEventLimits };

/** How long a refused body is read on before the connection is closed. */
const drainMs = 10_000;

/**
 * A body refused before it was read (413: larger than the limit): the client is still sending it. Closing
 * the socket now, as fastify does, resets the connection while the client writes, and a reset discards the
 * 413 the client has not read yet: the API server sees "connection reset" instead of the reason. So the rest
 * of the body is read and dropped, up to `maxBytes` or `maxMs`, and the connection kept for the answer.
 */
function readRestOfBody(request: FastifyRequest, reply: FastifyReply, { maxBytes, maxMs }: { maxBytes: number; maxMs: number }): void {
  const raw = request.raw;
  if (raw.complete) return;
  reply.removeHeader('connection');
  let read = 0;
  const giveUp = () => raw.destroy(); // and with it the connection
  const timer = setTimeout(giveUp, maxMs).unref();
  raw.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > maxBytes) {
      clearTimeout(timer);
      giveUp();
    }
  });
  raw.once('end', () => { clearTimeout(timer); });
  raw.once('close', () => { clearTimeout(timer); });
  raw.resume();
}

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
  timeouts = defaultIngestTimeouts,
  redaction = createRedaction(),
  authFailuresPerMinute = defaultAuthFailuresPerMinute,
  authFailures = createAuthFailures({ perMinute: authFailuresPerMinute }),
  metricsToken,
  registry = createMetricsRegistry('ingest'),
  gke,
}: IngestAppDeps): FastifyInstance {
  const app = createHttpApp({ logger, bodyLimit, https, timeouts });
  // Every body is taken as raw bytes: the route decodes gzip and JSON itself to answer precisely.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, request, reply) => {
    if (err.statusCode === 413) readRestOfBody(request, reply, { maxBytes: 2 * bodyLimit, maxMs: drainMs });
    return replyHttpError(reply, err, { logger, what: 'ingest request', messages: { 413: `body exceeds the limit of ${String(bodyLimit)} bytes` } });
  });
  registerHealthRoutes(app, { isReady: () => bus.isReady(), registry, metricsToken, authFailures });
  const batches = new Counter({ name: 'kaudit_ingest_batches_total', help: 'Webhook requests, by HTTP status', labelNames: ['status'] as const, registers: [registry] });
  // authentication first: only callers that authenticated count against capacity
  const pushTokens = gke === undefined ? undefined : createPushTokenVerifier(gke);
  const callerOf = authenticateWebhook(app, { tokens, clientCertClusters, batches, authFailures, pushTokens, logger });
  shedLoad(app, { ...limits, bodyLimit, registry });
  const receive = createReceiver({ bus, topics, callerOf, batches, bodyLimit, logger, registry, now, eventLimits: limits, maxBatchEvents: limits.maxBatchEvents, redaction });
  webhookRoute(app, { receive, bodyLimit });
  otlpLogsRoute(app, { receive, bodyLimit, batches });
  firehoseRoute(app, { receive, bodyLimit });
  if (gke !== undefined) pubsubRoute(app, { receive, bodyLimit, cluster: gke.cluster });
  return app;
}
