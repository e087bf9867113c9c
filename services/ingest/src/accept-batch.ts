import { auditEventParser, convertedFromAnnotation, decode, defaultEventLimits, foreignEvent, eventDigestOfJson, jsonDepthExceeds, sizeViolation, tooDeep, trimAnnotations, trimmedForAnalysis, withoutOwnAnnotations, type AuditEvent, type Envelope, type EventLimits } from '#shared/contracts';
import { dlqMessage, messageKey, type Bus, type OutMessage, type Topics } from '#shared/bus';
import { minuteOf, recordTimeMs, sharedStateEvent, type Redaction } from '#shared/engine';
import { errorMessage } from '#shared/errors';

export interface BatchOutcome {
  accepted: number;
  rejected: number;
  errors: { index: number; reason: string }[];
}

const maxReportedErrors = 100;
/** items validated between two turns of the event loop */
export const yieldEvery = 200;

/** The item as JSON for the DLQ; one nested too deeply for JSON.stringify is kept as a note saying so. */
function serialized(item: unknown): Buffer {
  try {
    return Buffer.from(JSON.stringify(item));
  } catch (err) {
    return Buffer.from(JSON.stringify({ unserializable: errorMessage(err) }));
  }
}

/** The JSON text of one envelope around an event already serialised (so the event is stringified once). */
function envelopeJson(envelope: Omit<Envelope, 'event'>, eventJson: string): string {
  return `${JSON.stringify(envelope).slice(0, -1)},"event":${eventJson}}`;
}

/**
 * Validates every item of a webhook body; valid events go to `events` in an envelope, invalid ones to
 * the DLQ with the reason and the item. Both redacted first: no credential reaches the bus. Resolves once
 * both are durably on the bus.
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
  redaction,
  refusal,
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
  /** credentials replaced before anything is written (events and DLQ items alike) */
  redaction: Redaction;
  /** every item goes to the DLQ with this reason (what the body says about all of them: no cluster) */
  refusal?: string | undefined;
}): Promise<BatchOutcome> {
  const receivedAt = now.toISOString();
  const transport = { tls, ...(clientCertSubject === undefined ? {} : { clientCertSubject }) };
  const events: OutMessage[] = [];
  const dlq: OutMessage[] = [];
  const outcome: BatchOutcome = { accepted: 0, rejected: 0, errors: [] };
  // copies for analyzers scaled out (shared/engine/shared-state.ts), when the events topic has several
  // partitions: of a shared-state event, one on every partition right after the event; per minute of the
  // batch, one pace copy of its earliest event
  const partitions = await bus.partitions(topics.events);
  const copies = partitions > 1;
  const minutes = new Map<number, { events: number; first: number; last: number; json: string; eventDigest: string }>();

  const reject = (item: unknown, index: number, why: string, walk = true) => {
    // the reason may quote the item (a wrong enum value, say): redacted too
    const reason = redaction.text(why);
    // an item nested too deeply to walk is redacted as JSON text
    const value = walk ? serialized(redaction.value(item)) : Buffer.from(redaction.text(serialized(item).toString('utf8')));
    dlq.push(dlqMessage({ key: messageKey(cluster, undefined), value, reason, step: 'ingest-validate', time: receivedAt, cluster }));
    outcome.rejected++;
    if (outcome.errors.length < maxReportedErrors) outcome.errors.push({ index, reason });
  };
  // Validation, redaction and serialisation are synchronous: the event loop gets a turn every
  // `yieldEvery` items, so a large batch never keeps other requests (or /readyz) waiting for long.
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
    const received: unknown = items[index];
    if (refusal !== undefined) {
      reject(received, index, refusal, !jsonDepthExceeds(received, limits.maxDepth));
      continue;
    }
    if (jsonDepthExceeds(received, limits.maxDepth)) {
      reject(received, index, tooDeep(limits), false);
      continue;
    }
    // a Cloud Logging entry (GKE's audit log) or a ViaQ record (OpenShift Logging) stands for the Event it
    // converts to; one that converts to none is dead-lettered as it came, with the reason
    const converted = foreignEvent(received);
    if (converted?.ok === false) {
      reject(received, index, converted.reason);
      continue;
    }
    const item: unknown = converted?.event ?? received;
    const parsed = decode(auditEventParser, item, 'an audit event');
    if (!parsed.ok) {
      reject(received, index, parsed.reason);
      continue;
    }
    const eventJson = JSON.stringify(parsed.value);
    const bytes = Buffer.byteLength(eventJson);
    const tooLarge = sizeViolation(bytes, limits);
    // the digest of the event as received, so it does not depend on the redaction key
    const eventDigest = eventDigestOfJson(eventJson);
    // annotations under kaudit's prefix are ingest's own (trimAnnotations)
    let event: AuditEvent = withoutOwnAnnotations(parsed.value);
    // kaudit's own mark, set after received ones are dropped: this conversion is ingest's
    if (converted !== undefined) event = { ...event, annotations: { ...event.annotations, [convertedFromAnnotation]: converted.from } };
    if (tooLarge !== undefined) {
      // kept whole in the DLQ, analysed from its metadata when that fits
      const trimmed = trimmedForAnalysis(event, bytes, limits, (id) => `kaudit-trimmed-${eventDigestOfJson(JSON.stringify(id))}`);
      if (trimmed === undefined) {
        reject(received, index, tooLarge);
        continue;
      }
      dlq.push(dlqMessage({ key: messageKey(cluster, undefined), value: serialized(redaction.value(received)), reason: `${tooLarge}; analysed without its ${trimmed.annotations?.[trimAnnotations.trimmed] ?? ''}`, step: 'ingest-trim', time: receivedAt, cluster }));
      event = trimmed;
    }
    const redacted = redaction.event(event);
    const json = redacted === parsed.value ? eventJson : JSON.stringify(redacted);
    const key = messageKey(cluster, parsed.value.user?.username ?? undefined);
    events.push({ key, value: Buffer.from(envelopeJson({ cluster, receivedAt, transport, eventDigest }, json)) });
    if (copies && sharedStateEvent(event)) {
      const copy = Buffer.from(envelopeJson({ cluster, receivedAt, transport, eventDigest, copy: { of: 'state' } }, json));
      for (let partition = 0; partition < partitions; partition++) events.push({ key, value: copy, partition });
    }
    const time = copies ? recordTimeMs(event, receivedAt) : undefined;
    if (time !== undefined) {
      const m = minutes.get(minuteOf(time));
      if (m === undefined) minutes.set(minuteOf(time), { events: 1, first: time, last: time, json, eventDigest });
      else {
        m.events++;
        m.last = Math.max(m.last, time);
        if (time < m.first) Object.assign(m, { first: time, json, eventDigest });
      }
    }
    outcome.accepted++;
  }
  // in the order the batch's minutes first appear, as the rules would meet them event by event
  for (const m of minutes.values()) {
    const copy = { of: 'pace' as const, events: m.events, last: new Date(m.last).toISOString() };
    events.push({ key: messageKey(cluster, undefined), value: Buffer.from(envelopeJson({ cluster, receivedAt, transport, eventDigest: m.eventDigest, copy }, m.json)) });
  }

  await Promise.all([bus.produce(topics.events, events), bus.produce(topics.dlq, dlq)]);
  return outcome;
}
