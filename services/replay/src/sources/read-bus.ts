// Replay --from-kafka: the `events` topic as replay sources, one per partition (each in append order,
// so the replay's k-way merge puts them in one event-time sequence). Envelopes carry their cluster.
import type { TopicRange } from '#shared/bus';
import type { ReplaySource } from './types.js';
import { errorMessage } from '#shared/errors';
import { isObj } from '#shared/contracts';

/**
 * Kafka's time index is by append time (when ingest wrote the batch), which trails the events' own times
 * by the webhook's batching and retries. The range read is widened by this much on both sides; the exact
 * since/until filter is then applied on event time.
 */
export const appendTimeMargin = 10 * 60 * 1000;

export function widen(since: string | undefined, until: string | undefined): { since?: Date; until?: Date } {
  return {
    ...(since === undefined ? {} : { since: new Date(Date.parse(since) - appendTimeMargin) }),
    ...(until === undefined ? {} : { until: new Date(Date.parse(until) + appendTimeMargin) }),
  };
}

/** One replay source per partition of the range; an envelope that is not one is a malformed line (offset = line). */
export function busSources(topic: string, range: TopicRange): ReplaySource[] {
  return range.partitions.map(({ partition, messages }) => {
    const name = `kafka:${topic}/${String(partition)}`;
    return {
      name,
      size: undefined,
      async *items({ onMalformed, onBytes }) {
        for await (const m of messages) {
          onBytes(m.value.length);
          const line = Number(m.offset);
          let envelope: unknown;
          try {
            envelope = JSON.parse(m.value.toString('utf8')) as unknown;
          } catch (err) {
            onMalformed({ file: name, line, reason: `not valid JSON (${errorMessage(err)})` });
            continue;
          }
          if (!isObj(envelope) || typeof envelope.cluster !== 'string' || envelope.cluster === '' || !isObj(envelope.event)) {
            onMalformed({ file: name, line, reason: 'not an events-topic envelope ({cluster, receivedAt, transport, event})' });
            continue;
          }
          // ingest's copies of an event (state and pace copies, for analyzers scaled out): the event itself is read where it is
          if (envelope.copy !== undefined) continue;
          const receivedAt = typeof envelope.receivedAt === 'string' ? envelope.receivedAt : undefined;
          const tls = isObj(envelope.transport) && typeof envelope.transport.tls === 'boolean' ? envelope.transport.tls : true;
          yield { item: envelope.event, cluster: envelope.cluster, tls, ...(receivedAt === undefined ? {} : { receivedAt }), file: name, line, index: 0 };
        }
      },
    };
  });
}
