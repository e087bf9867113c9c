import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Counter, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import { isRetriable, errorMessage } from '#shared/errors';
import { errorBodySchema } from '#shared/http';
import type { Bus, Topics } from '#shared/bus';
import type { Logger } from '#shared/logging';
import { firehoseItems, otlpLogItems, splitItems, type EventLimits } from '#shared/contracts';
import { type Redaction } from '#shared/engine';
import { acceptBatch, type BatchOutcome } from '../accept-batch.js';
import type { Caller } from '../identify.js';
import { decodeBody } from '../decode-body.js';

const outcomeSchema = z.object({
  accepted: z.number().int().describe('events durably written to the bus'),
  rejected: z.number().int().describe('items that are not audit events; sent to the DLQ with the reason'),
  errors: z.array(z.object({ index: z.number().int(), reason: z.string() })).describe('first 100 rejections'),
});

/** OTLP's ExportLogsServiceResponse: empty when every record was taken. */
const otlpResponseSchema = z.object({
  partialSuccess: z
    .object({
      rejectedLogRecords: z.string().describe('log records that are no audit events (int64, as the OTLP JSON encoding writes it)'),
      errorMessage: z.string().describe('why the first of them was rejected'),
    })
    .optional(),
});

export const retryAfterSeconds = 5;

/** Amazon Data Firehose's HTTP endpoint delivery: authenticated by its access-key header, not a bearer token. */
export const firehosePath = '/v1/firehose';
export const firehoseKeyHeader = 'x-amz-firehose-access-key';

/** The routes that receive audit events: authenticated and load-shed (identify.ts, shed-load.ts). */
export const ingestPaths: ReadonlySet<string> = new Set(['/v1/webhook', '/v1/logs', firehosePath]);

export function webhookRoutes(
  app: FastifyInstance,
  deps: {
    bus: Bus;
    topics: Topics;
    /** the authenticated caller (authenticateWebhook) */
    callerOf: (request: FastifyRequest) => Caller;
    batches: Counter<'status'>;
    bodyLimit: number;
    logger: Logger;
    registry: Registry;
    now: () => Date;
    eventLimits: EventLimits;
    /** items of one request; more get 413 */
    maxBatchEvents: number;
    redaction: Redaction;
  },
): void {
  const { bus, topics, bodyLimit, logger, registry, now, eventLimits, maxBatchEvents, callerOf, batches, redaction } = deps;
  const events = new Counter({
    name: 'kaudit_ingest_events_total',
    help: 'Audit events received by the webhook, by outcome',
    labelNames: ['cluster', 'outcome'] as const,
    registers: [registry],
  });
  const ackLatency = new Histogram({
    name: 'kaudit_ingest_ack_seconds',
    help: 'Time from request to durable acknowledgement',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  /**
   * The body of an authenticated request decoded and split into items (`split`: undefined when the body is
   * not what the route takes), bounded, then accepted: the outcome once every event is durably on the bus,
   * or the reply already sent (a 4xx, or 503 with Retry-After when the bus did not acknowledge).
   */
  async function receive(
    request: FastifyRequest,
    reply: FastifyReply,
    split: (value: unknown) => unknown[] | string,
    errorBody: (error: string, message: string) => object = (error, message) => ({ error, message }),
  ): Promise<BatchOutcome | undefined> {
    const started = process.hrtime.bigint();
    const identity = callerOf(request);
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) {
      await reply.code(400).send(errorBody('bad_request', 'request body is required'));
      return undefined;
    }
    const decoded = decodeBody(raw, request.headers['content-encoding'], bodyLimit);
    if (!decoded.ok) {
      batches.inc({ status: String(decoded.status) });
      await reply.code(decoded.status).send(errorBody('bad_request', decoded.message));
      return undefined;
    }
    const items = split(decoded.value);
    if (typeof items === 'string') {
      batches.inc({ status: '400' });
      await reply.code(400).send(errorBody('bad_request', items));
      return undefined;
    }
    // Bounded before any item is looked at: a body of millions of tiny items would otherwise tie the
    // webhook up validating and dead-lettering each one.
    if (items.length > maxBatchEvents) {
      batches.inc({ status: '413' });
      await reply
        .code(413)
        .send(errorBody('payload_too_large', `the batch holds ${String(items.length)} items, more than the limit of ${String(maxBatchEvents)} (KAUDIT_MAX_BATCH_EVENTS; kube-apiserver sends at most --audit-webhook-batch-max-size, 400 by default)`));
      return undefined;
    }
    try {
      const outcome = await acceptBatch({
        items,
        cluster: identity.cluster,
        tls: request.protocol === 'https',
        ...(identity.clientCertSubject === undefined ? {} : { clientCertSubject: identity.clientCertSubject }),
        bus,
        topics,
        now: now(),
        limits: eventLimits,
        redaction,
      });
      events.inc({ cluster: identity.cluster, outcome: 'accepted' }, outcome.accepted);
      events.inc({ cluster: identity.cluster, outcome: 'rejected' }, outcome.rejected);
      batches.inc({ status: '200' });
      ackLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return outcome;
    } catch (err) {
      if (!isRetriable(err)) throw err;
      logger.warn({ cluster: identity.cluster, reason: errorMessage(err) }, 'bus unavailable; batch not acknowledged');
      batches.inc({ status: '503' });
      await reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds))
        .send(errorBody('unavailable', 'the event bus did not acknowledge the batch; retry later'));
      return undefined;
    }
  }

  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/webhook',
    {
      bodyLimit,
      schema: {
        summary: 'Receive an audit EventList from the kube-apiserver webhook backend',
        description:
          'Body: an audit.k8s.io EventList, a single Event or a JSON array of Events (gzip allowed). ' +
          'Answers 200 only after every event is durably on the bus.',
        security: [{ bearer: [] }],
        response: { 200: outcomeSchema, 400: errorBodySchema, 401: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request, reply) => {
      const outcome = await receive(request, reply, splitItems);
      return outcome ?? reply;
    },
  );

  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/logs',
    {
      bodyLimit,
      schema: {
        summary: 'Receive OpenTelemetry logs (OTLP/HTTP, JSON encoding) whose records hold audit Events',
        description:
          'Body: an ExportLogsServiceRequest in the OTLP JSON encoding (gzip allowed); each log record’s body ' +
          'is an audit Event, as its JSON line or as a map. Answers 200 only after every event is durably on the bus, ' +
          'with partialSuccess naming the records that are no events (sent to the DLQ with the reason).',
        security: [{ bearer: [] }],
        response: { 200: otlpResponseSchema, 400: errorBodySchema, 401: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        batches.inc({ status: '415' });
        return reply.code(415).send({
          error: 'unsupported_media_type',
          message: `OTLP/HTTP in ${type === '' || type === undefined ? 'no content type' : type} is not taken here: send the JSON encoding (application/json; the collector’s otlphttp exporter: encoding: json)`,
        });
      }
      const outcome = await receive(request, reply, (value) => otlpLogItems(value) ?? 'not an OTLP ExportLogsServiceRequest: expected an object with resourceLogs[]');
      if (outcome === undefined) return reply;
      return outcome.rejected === 0 ? {} : { partialSuccess: { rejectedLogRecords: String(outcome.rejected), errorMessage: outcome.errors[0]?.reason ?? 'not an audit event' } };
    },
  );

  // Firehose expects {requestId, timestamp} back, with errorMessage when it failed (it retries then).
  const firehoseBody = z.object({ requestId: z.string(), timestamp: z.number().int(), errorMessage: z.string().optional() });
  app.withTypeProvider<ZodTypeProvider>().post(
    firehosePath,
    {
      bodyLimit,
      schema: {
        summary: 'Receive an EKS audit log from Amazon Data Firehose (HTTP endpoint delivery)',
        description:
          'Body: a Firehose delivery request whose records hold CloudWatch Logs subscription payloads (gzipped, or ' +
          'decompressed, or the extracted messages) of the cluster’s audit log group. Authenticated by the ' +
          'X-Amz-Firehose-Access-Key header (the cluster’s ingest token). Answers 200 only after every event is durably on the bus.',
        response: { 200: firehoseBody, 400: firehoseBody, 401: errorBodySchema, 413: firehoseBody, 415: firehoseBody, 503: firehoseBody },
      },
    },
    async (request, reply) => {
      const header = request.headers['x-amz-firehose-request-id'];
      let requestId = typeof header === 'string' ? header : '';
      const outcome = await receive(
        request,
        reply,
        (value) => {
          const delivery = firehoseItems(value);
          if (typeof delivery === 'string') return delivery;
          requestId = delivery.requestId;
          return delivery.items;
        },
        (_error, message) => ({ requestId, timestamp: Date.now(), errorMessage: message }),
      );
      if (outcome === undefined) return reply;
      return { requestId, timestamp: Date.now() };
    },
  );
}
