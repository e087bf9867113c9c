import kafkajs from 'kafkajs';
import type { Logger } from '#shared/logging';
import { KauditError, errorCodes, errorMessage } from '#shared/errors';
import type { Bus, ConsumeOptions, InMessage, OutMessage, Subscription, TopicRange } from './types.js';

// The only module that imports kafkajs. kafkajs is CommonJS: default import, then destructure.
const { Kafka, logLevel } = kafkajs;
type KafkaLogEntry = kafkajs.LogEntry;

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  topics: string[];
  partitions: number;
  logger: Logger;
  /** How long a produce may take before the caller is told the bus is unavailable. */
  produceTimeoutMs?: number;
  /** Topics created with cleanup.policy=compact. */
  compactedTopics?: string[];
  /** retention.ms of topics kaudit creates (an existing topic keeps its own settings) */
  retentionMs?: Record<string, number>;
}

/** Bytes of messages per producer send: well under the broker's default message size limit of 1 MiB. */
export const maxSendBytes = 512 * 1024;

const sizeOf = (m: OutMessage): number =>
  m.key.length + m.value.length + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0) + 64;

/** Consecutive runs of messages of at most `limit` bytes each (a larger message alone). */
export function chunksOf(messages: readonly OutMessage[], limit: number): OutMessage[][] {
  const out: OutMessage[][] = [];
  let current: OutMessage[] = [];
  let size = 0;
  for (const m of messages) {
    const s = sizeOf(m);
    if (current.length > 0 && size + s > limit) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += s;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A fetched Kafka message as the bus hands it to its readers (headers: the first value of each). */
function toInMessage(topic: string, partition: number, m: kafkajs.KafkaMessage): InMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? '',
    value: m.value ?? Buffer.alloc(0),
    headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')])),
  };
}

function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: KafkaLogEntry) => {
      const { message, ...extra } = log;
      if (level <= logLevel.ERROR) logger.error(extra, `kafka: ${message}`);
      else if (level === logLevel.WARN) logger.warn(extra, `kafka: ${message}`);
      else logger.debug(extra, `kafka: ${message}`);
    };
}

export function createKafkaBus(options: KafkaBusOptions): Bus {
  const { brokers, clientId, topics, partitions, logger, produceTimeoutMs = 10_000 } = options;
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumers = new Set<kafkajs.Consumer>();
  let connected = false;
  let lastSendFailed = false;
  let closed = false;

  producer.on(producer.events.CONNECT, () => {
    connected = true;
  });
  producer.on(producer.events.DISCONNECT, () => {
    connected = false;
  });

  // Readiness after a failed send: `lastSendFailed` used to be cleared only by a successful send. Behind
  // a Kubernetes Service a not-ready ingest pod receives no webhook traffic, so it could never send
  // again and stayed not ready after any Kafka outage. While the last send failed, this probe asks the
  // broker every second for the metadata of our topics and clears the flag once every partition has a
  // leader again (the next real send sets it again if producing still fails).
  const recoveryProbeIntervalMs = 1_000;
  let probe: Promise<void> | undefined;
  let wakeProbe: (() => void) | undefined;

  async function topicsHaveLeaders(): Promise<boolean> {
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics });
      return metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    } catch {
      return false; // still down
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  function startRecoveryProbe(): void {
    if (probe) return;
    probe = (async () => {
      while (lastSendFailed && !closed) {
        if (await topicsHaveLeaders()) {
          lastSendFailed = false;
          break;
        }
        await new Promise<void>((resolve) => {
          wakeProbe = resolve;
          setTimeout(resolve, recoveryProbeIntervalMs).unref();
        });
      }
    })().finally(() => {
      probe = undefined;
      wakeProbe = undefined;
      // a send may have failed again while the probe was finishing
      if (lastSendFailed && !closed) startRecoveryProbe();
    });
  }

  async function ensureTopics(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: partitions,
            replicationFactor: -1, // broker default
            configEntries: [
              ...(options.compactedTopics?.includes(topic) ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
              ...(options.retentionMs?.[topic] === undefined ? [] : [{ name: 'retention.ms', value: String(options.retentionMs[topic]) }]),
            ],
          })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Reads [since, until) of a topic with a consumer group of its own (deleted afterwards): start and end
   * offsets per partition from the broker's time index (or the partition's ends), one stream per partition.
   * A partition whose reader is more than `queueLimit` messages ahead is paused until it is drained, so a
   * slow reader never holds a whole topic in memory; one that delivers nothing for 120 s fails the read.
   */
  async function readRange(topic: string, { since, until }: { since?: Date | undefined; until?: Date | undefined }): Promise<TopicRange> {
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

  return {
    kind: 'kafka',
    async start() {
      await ensureTopics();
      await producer.connect();
      connected = true;
    },
    async produce(topic: string, messages: OutMessage[]) {
      if (closed) throw new KauditError(errorCodes.busClosed, 'bus is closed', { retriable: true });
      if (messages.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          (async () => {
            // One send becomes one record batch per partition, and the broker refuses a batch over its
            // message size limit (1 MiB by default) — a full fetch of records would stall the partition
            // for good. Sent in chunks, in order.
            for (const chunk of chunksOf(messages, maxSendBytes)) {
              await producer.send({
                topic,
                acks: -1,
                messages: chunk.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
              });
            }
          })(),
          new Promise((_, reject) => {
            timer = setTimeout(() => {
              reject(new Error(`no acknowledgement within ${String(produceTimeoutMs)} ms`));
            }, produceTimeoutMs);
          }),
        ]);
        lastSendFailed = false;
      } catch (err) {
        lastSendFailed = true;
        startRecoveryProbe();
        throw new KauditError(errorCodes.busUnavailable, `kafka produce to ${topic} failed: ${errorMessage(err)}`, {
          retriable: true,
          cause: err,
        });
      } finally {
        clearTimeout(timer);
      }
    },
    async consume({ groupId, topics: wanted, handler, positionOf, onAssign }: ConsumeOptions): Promise<Subscription> {
      let current: kafkajs.Consumer | undefined;
      let stopped = false;
      let restartTimer: NodeJS.Timeout | undefined;

      async function start(): Promise<void> {
        const consumer = kafka.consumer({
          groupId,
          allowAutoTopicCreation: false,
          sessionTimeout: 10_000,
          heartbeatInterval: 1_000,
          maxWaitTimeInMs: 200,
          retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
        });
        current = consumer;
        consumers.add(consumer);
        // kafkajs restarts a crashed consumer only for errors it deems retriable; a long broker outage can
        // end in a crash it gives up on, which would stall the partitions for good. Supervise: recreate it.
        consumer.on(consumer.events.CRASH, (event) => {
          const { error, restart } = event.payload;
          if (restart || stopped) return;
          logger.error({ groupId, err: error }, 'kafka consumer crashed for good; recreating it');
          consumers.delete(consumer);
          restartTimer = setTimeout(() => {
            void consumer
              .disconnect()
              .catch(() => undefined)
              .then(() => (stopped ? undefined : start()))
              .catch((err: unknown) => {
                logger.error({ groupId, err }, 'kafka consumer could not be recreated; retrying');
                if (!stopped) restartTimer = setTimeout(() => void start().catch(() => undefined), 5_000);
              });
          }, 2_000);
        });
        // On every assignment: start each partition where the consumer's own storage says it stopped, then
        // let the service prepare (restore state). kafkajs emits GROUP_JOIN synchronously before it fetches,
        // so `assigned` is in place before the first batch of the new generation, which waits for it.
        let assigned: Promise<void> = Promise.resolve();
        if (positionOf || onAssign) {
          consumer.on(consumer.events.GROUP_JOIN, (event) => {
            const assignment = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
            assigned = (async () => {
              if (positionOf) {
                for (const { topic, partition } of assignment) {
                  const offset = await positionOf(topic, partition);
                  if (offset !== undefined) consumer.seek({ topic, partition, offset });
                }
              }
              await onAssign?.(assignment);
            })().catch((err: unknown) => {
              logger.error({ groupId, err }, 'preparing the assigned partitions failed');
            });
          });
        }
        await consumer.connect();
        await consumer.subscribe({ topics: wanted, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            const { batch } = payload;
            await assigned;
            // A seek to a stored position makes batches fetched before it stale.
            if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
            const messages = batch.messages.map((m) => toInMessage(batch.topic, batch.partition, m));
            // A rejection propagates to kafkajs, which does not commit and redelivers the batch.
            const last = batch.messages[batch.messages.length - 1];
            if (last === undefined) return;
            await handler({ topic: batch.topic, partition: batch.partition, messages, next: (BigInt(last.offset) + 1n).toString(), highWatermark: batch.highWatermark });
            // Without resolveOffset kafkajs would fetch the same batch again and again (eachBatchAutoResolve
            // is off so that a failed handler is never marked as consumed).
            payload.resolveOffset(last.offset);
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ]);
            await payload.heartbeat();
          },
        });
      }

      await start();
      return {
        async stop() {
          stopped = true;
          clearTimeout(restartTimer);
          const consumer = current;
          if (consumer) {
            consumers.delete(consumer);
            await consumer.disconnect();
          }
        },
      };
    },
    async readAll(topic: string): Promise<InMessage[]> {
      const range = await readRange(topic, {});
      try {
        const out: InMessage[] = [];
        for (const p of range.partitions) for await (const m of p.messages) out.push(m);
        return out;
      } finally {
        await range.close();
      }
    },
    readRange,
    isReady: () => connected && !lastSendFailed && !closed,
    async close() {
      closed = true;
      wakeProbe?.();
      await probe;
      for (const c of [...consumers]) await c.disconnect();
      consumers.clear();
      await producer.disconnect();
    },
  };
}
