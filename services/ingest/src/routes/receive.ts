import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { isRetriable, errorMessage } from '#shared/errors';
import type { Bus, Topics } from '#shared/bus';
import type { Logger } from '#shared/logging';
import type { EventLimits } from '#shared/contracts';
import type { Redaction } from '#shared/engine';
import { acceptBatch, type BatchOutcome } from '../accept-batch.js';
import type { Caller } from '../identify.js';
import { decodeBody } from '../decode-body.js';

// What every route that receives audit events does once it has its items (the webhook's EventList, OTLP's
// log records, Firehose's CloudWatch payloads): decode the body, bound it, accept the items, count, answer.

export const retryAfterSeconds = 5;

export interface ReceiveDeps {
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
}

/**
 * The body of an authenticated request decoded and split into items (`split` gives the reason instead when
 * the body is not what the route takes), bounded, then accepted: the outcome once every event is durably on
 * the bus, or undefined with the reply already sent (a 4xx, or 503 with Retry-After when the bus did not
 * acknowledge), its body made by `errorBody`.
 */
export type Receive = (
  request: FastifyRequest,
  reply: FastifyReply,
  split: (value: unknown) => unknown[] | Split | string,
  errorBody?: (error: string, message: string) => object,
) => Promise<BatchOutcome | undefined>;

/** The items of a body whose cluster the body says (a Pub/Sub push of a GKE entry), not the caller. */
export interface Split {
  items: unknown[];
  cluster: string;
  /** every item to the DLQ with this reason */
  refusal?: string;
}

export function createReceiver(deps: ReceiveDeps): Receive {
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

  return async function receive(request, reply, split, errorBody = (error, message) => ({ error, message })) {
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
    const got = split(decoded.value);
    if (typeof got === 'string') {
      batches.inc({ status: '400' });
      await reply.code(400).send(errorBody('bad_request', got));
      return undefined;
    }
    const items = Array.isArray(got) ? got : got.items;
    const cluster = Array.isArray(got) ? identity.cluster : got.cluster;
    const refusal = Array.isArray(got) ? undefined : got.refusal;
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
        cluster,
        tls: request.protocol === 'https',
        ...(identity.clientCertSubject === undefined ? {} : { clientCertSubject: identity.clientCertSubject }),
        bus,
        topics,
        now: now(),
        limits: eventLimits,
        redaction,
        refusal,
      });
      events.inc({ cluster, outcome: 'accepted' }, outcome.accepted);
      events.inc({ cluster, outcome: 'rejected' }, outcome.rejected);
      batches.inc({ status: '200' });
      ackLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return outcome;
    } catch (err) {
      if (!isRetriable(err)) throw err;
      logger.warn({ cluster, reason: errorMessage(err) }, 'bus unavailable; batch not acknowledged');
      batches.inc({ status: '503' });
      await reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds))
        .send(errorBody('unavailable', 'the event bus did not acknowledge the batch; retry later'));
      return undefined;
    }
  };
}
