import { auditEventParser, defaultEventLimits, eventDigestOfJson, jsonDepthExceeds, sizeViolation, tooDeep, type Envelope, type EventLimits } from '#shared/contracts';
import { dlqMessage, messageKey, type Bus, type OutMessage, type Topics } from '#shared/bus';
import type { z } from 'zod';

export interface BatchOutcome {
  accepted: number;
  rejected: number;
  errors: { index: number; reason: string }[];
}

const maxReportedErrors = 100;

/** The item as JSON for the DLQ; one nested too deeply for JSON.stringify is kept as a note saying so. */
function serialized(item: unknown): Buffer {
  try {
    return Buffer.from(JSON.stringify(item));
  } catch (err) {
    return Buffer.from(JSON.stringify({ unserializable: (err as Error).message }));
  }
}

/** The JSON text of one envelope around an event already serialised (so the event is stringified once). */
function envelopeJson(envelope: Omit<Envelope, 'event'>, eventJson: string): string {
  return `${JSON.stringify(envelope).slice(0, -1)},"event":${eventJson}}`;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(event)'}: ${i.message}`)
    .join('; ');
}

/**
 * Validates every item of a webhook body; valid events go to `events` in an envelope, invalid ones to
 * the DLQ with the reason and the original item. Resolves once both are durably on the bus.
 */
export async function acceptBatch({
  items,
  cluster,
  tls,
  clientCertSubject,
  bus,
  topics,
  now,
  limits = defaultEventLimits,
}: {
  /** the body's items (splitItems) */
  items: readonly unknown[];
  cluster: string;
  tls: boolean;
  /** the subject of the client certificate the cluster authenticated with, if any */
  clientCertSubject?: string;
  bus: Bus;
  topics: Topics;
  now: Date;
  limits?: EventLimits;
}): Promise<BatchOutcome> {
  const receivedAt = now.toISOString();
  const events: OutMessage[] = [];
  const dlq: OutMessage[] = [];
  const outcome: BatchOutcome = { accepted: 0, rejected: 0, errors: [] };

  const reject = (item: unknown, index: number, reason: string, raw?: Buffer) => {
    dlq.push(dlqMessage({ key: messageKey(cluster, undefined), value: raw ?? serialized(item), reason, step: 'ingest-validate', time: receivedAt, cluster }));
    outcome.rejected++;
    if (outcome.errors.length < maxReportedErrors) outcome.errors.push({ index, reason });
  };
  items.forEach((item, index) => {
    if (jsonDepthExceeds(item, limits.maxDepth)) {
      reject(item, index, tooDeep(limits));
      return;
    }
    const parsed = auditEventParser.safeParse(item);
    if (!parsed.success) {
      reject(item, index, `not an audit event: ${describe(parsed.error)}`);
      return;
    }
    const eventJson = JSON.stringify(parsed.data);
    const tooLarge = sizeViolation(Buffer.byteLength(eventJson), limits);
    if (tooLarge !== undefined) {
      reject(item, index, tooLarge);
      return;
    }
    const transport = { tls, ...(clientCertSubject === undefined ? {} : { clientCertSubject }) };
    const value = Buffer.from(envelopeJson({ cluster, receivedAt, transport, eventDigest: eventDigestOfJson(eventJson) }, eventJson));
    events.push({ key: messageKey(cluster, parsed.data.user?.username ?? undefined), value });
    outcome.accepted++;
  });

  await Promise.all([bus.produce(topics.events, events), bus.produce(topics.dlq, dlq)]);
  return outcome;
}
