import type kafkajs from 'kafkajs';
import { KauditError, errorCodes } from '#shared/errors';
import type { InMessage, TopicRange } from '../types.js';
import { toInMessage } from './messages.js';

/**
 * Reads [since, until) of a topic with a consumer group of its own (deleted afterwards): start and end
 * offsets per partition from the broker's time index (or the partition's ends), one stream per partition.
 * A partition whose reader is more than `queueLimit` messages ahead is paused until it is drained, so a
 * slow reader never holds a whole topic in memory; one that delivers nothing for 120 s fails the read.
 */
export async function readRange(
  { kafka, clientId, consumers }: { kafka: kafkajs.Kafka; clientId: string; consumers: Set<kafkajs.Consumer> },
  topic: string,
  { since, until }: { since?: Date | undefined; until?: Date | undefined },
): Promise<TopicRange> {
  const queueLimit = 5_000;
  const stallTimeoutMs = 120_000;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${clientId}-range-${String(Date.now())}-${String(Math.floor(Math.random() * 1e9))}`;
  const ends = await admin.fetchTopicOffsets(topic);
  const at = async (time: Date | undefined, fallback: 'low' | 'high') => {
    const fallbackOf = new Map(ends.map((o) => [o.partition, BigInt(o[fallback])]));
    if (time === undefined) return fallbackOf;
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, time.getTime());
    // -1: no message at or after that time in the partition, so the range starts (or ends) at its end.
    return new Map(found.map((o) => [o.partition, o.offset === '-1' ? BigInt(ends.find((e) => e.partition === o.partition)?.high ?? '0') : BigInt(o.offset)]));
  };
  const from = await at(since, 'low');
  const to = await at(until, 'high');
  interface Queue {
    from: bigint;
    to: bigint;
    items: InMessage[];
    done: boolean;
    paused: boolean;
    wake: (() => void) | undefined;
  }
  const queues = new Map<number, Queue>();
  for (const e of ends) {
    const high = BigInt(e.high);
    const start = from.get(e.partition) ?? BigInt(e.low);
    const end = [to.get(e.partition) ?? high, high].reduce((x, y) => (x < y ? x : y));
    queues.set(e.partition, { from: start, to: end, items: [], done: end <= start, paused: false, wake: undefined });
  }
  let failure: Error | undefined;
  const wakeAll = () => {
    for (const q of queues.values()) q.wake?.();
  };
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    consumers.delete(consumer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  };
  if ([...queues.values()].some((q) => !q.done)) {
    consumers.add(consumer);
    // Seek synchronously on joining: kafkajs emits GROUP_JOIN before its first fetch.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, q] of queues) if (!q.done) consumer.seek({ topic, partition, offset: q.from.toString() });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      failure = event.payload.error;
      wakeAll();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const pause = (partition: number) => {
      consumer.pause([{ topic, partitions: [partition] }]);
    };
    consumer
      .run({
        eachBatch: ({ batch }) => {
          const q = queues.get(batch.partition);
          if (!q || q.done) return Promise.resolve();
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset < q.from) continue;
            if (offset >= q.to) break;
            q.items.push(toInMessage(topic, batch.partition, m));
          }
          const last = batch.messages.at(-1);
          if (last !== undefined && BigInt(last.offset) + 1n >= q.to) q.done = true;
          if (q.done) pause(batch.partition);
          else if (q.items.length >= queueLimit) {
            q.paused = true;
            pause(batch.partition);
          }
          q.wake?.();
          return Promise.resolve();
        },
      })
      .catch((err: unknown) => {
        failure = err instanceof Error ? err : new Error(String(err));
        wakeAll();
      });
  }
  const stream = async function* (partition: number, q: Queue): AsyncGenerator<InMessage> {
    for (;;) {
      if (failure) throw new KauditError(errorCodes.busUnavailable, `reading ${topic} failed: ${failure.message}`, { cause: failure });
      if (q.items.length > 0) {
        const items = q.items;
        q.items = [];
        if (q.paused) {
          q.paused = false;
          consumer.resume([{ topic, partitions: [partition] }]);
        }
        yield* items;
        continue;
      }
      if (q.done || closed) return;
      // A partition that stops delivering (broker gone for good) fails the read instead of hanging it:
      // the state restore of an assignment waits on this.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        q.wake = resolve;
        timer = setTimeout(() => {
          failure ??= new Error(`no message from partition ${String(partition)} for ${String(stallTimeoutMs / 1000)} s`);
          resolve();
        }, stallTimeoutMs);
      });
      clearTimeout(timer);
      q.wake = undefined;
    }
  };
  return { partitions: [...queues].map(([partition, q]) => ({ partition, messages: stream(partition, q) })), close };
}
