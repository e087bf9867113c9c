import { auditEventSchema, type Envelope } from '#shared/contracts';
import { dlqMessage, messageKey, type Bus, type OutMessage, type Topics } from '#shared/bus';
import { splitItems } from '#shared/engine';
import type { z } from 'zod';

export interface BatchOutcome {
  accepted: number;
  rejected: number;
  errors: { index: number; reason: string }[];
}

const maxReportedErrors = 100;

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
}: {
  body: unknown;
  cluster: string;
  tls: boolean;
  /** the subject of the client certificate the cluster authenticated with, if any */
  clientCertSubject?: string;
  bus: Bus;
  topics: Topics;
  now: Date;
}): Promise<BatchOutcome> {
  const receivedAt = now.toISOString();
  const events: OutMessage[] = [];
  const dlq: OutMessage[] = [];
  const outcome: BatchOutcome = { accepted: 0, rejected: 0, errors: [] };

  splitItems(body).forEach((item, index) => {
    const parsed = auditEventSchema.safeParse(item);
    if (parsed.success) {
      const envelope: Envelope = { cluster, receivedAt, transport: { tls, ...(clientCertSubject === undefined ? {} : { clientCertSubject }) }, event: parsed.data };
      events.push({
        key: messageKey(cluster, parsed.data.user?.username),
        value: Buffer.from(JSON.stringify(envelope)),
      });
      outcome.accepted++;
      return;
    }
    const reason = `not an audit event: ${describe(parsed.error)}`;
    dlq.push(
      dlqMessage({ key: messageKey(cluster, undefined), value: Buffer.from(JSON.stringify(item)), reason, step: 'ingest-validate', time: receivedAt, cluster }),
    );
    outcome.rejected++;
    if (outcome.errors.length < maxReportedErrors) outcome.errors.push({ index, reason });
  });

  await Promise.all([bus.produce(topics.events, events), bus.produce(topics.dlq, dlq)]);
  return outcome;
}
