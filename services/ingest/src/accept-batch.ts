import { auditEventParser, type Envelope } from '#shared/contracts';
import { dlqMessage, messageKey, type Bus, type OutMessage, type Topics } from '#shared/bus';
import { splitItems } from '#shared/engine';
import type { z } from 'zod';

export interface BatchOutcome {
  accepted: number;
  rejected: number;
  errors: { index: number; reason: string }[];
}

const maxReportedErrors = 100;

/** Per-event limits: an event beyond them goes to the DLQ with the reason; the rest of the batch is accepted. */
export interface EventLimits {
  /** serialized size of one event */
  maxEventBytes: number;
  /** nesting depth of objects and arrays in one event */
  maxDepth: number;
}
export const defaultEventLimits: EventLimits = { maxEventBytes: 512 * 1024, maxDepth: 64 };

/** The item as JSON for the DLQ; one nested too deeply for JSON.stringify is kept as a note saying so. */
function serialized(item: unknown): Buffer {
  try {
    return Buffer.from(JSON.stringify(item));
  } catch (err) {
    return Buffer.from(JSON.stringify({ unserializable: (err as Error).message }));
  }
}

/** How deeply objects and arrays nest in a JSON value, stopping once past `limit` (iterative: no stack overflow). */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
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
  body,
  cluster,
  tls,
  clientCertSubject,
  bus,
  topics,
  now,
  limits = defaultEventLimits,
}: {
  body: unknown;
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
  splitItems(body).forEach((item, index) => {
    if (jsonDepthExceeds(item, limits.maxDepth)) {
      reject(item, index, `event nests deeper than ${String(limits.maxDepth)} levels`);
      return;
    }
    const parsed = auditEventParser.safeParse(item);
    if (!parsed.success) {
      reject(item, index, `not an audit event: ${describe(parsed.error)}`);
      return;
    }
    const envelope: Envelope = { cluster, receivedAt, transport: { tls, ...(clientCertSubject === undefined ? {} : { clientCertSubject }) }, event: parsed.data };
    const value = Buffer.from(JSON.stringify(envelope));
    if (value.length > limits.maxEventBytes) {
      reject(item, index, `event of ${String(value.length)} bytes exceeds the limit of ${String(limits.maxEventBytes)} bytes`);
      return;
    }
    events.push({ key: messageKey(cluster, parsed.data.user?.username ?? undefined), value });
    outcome.accepted++;
  });

  await Promise.all([bus.produce(topics.events, events), bus.produce(topics.dlq, dlq)]);
  return outcome;
}
