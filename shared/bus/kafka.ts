import kafkajs from 'kafkajs';
import type { Logger } from '#shared/logging';
import { KauditError, errorCodes, errorMessage } from '#shared/errors';
import type { Bus, ConsumeOptions, InMessage, OutMessage, Subscription } from './types.js';

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
            configEntries: options.compactedTopics?.includes(topic)
              ? [{ name: 'cleanup.policy', value: 'compact' }]
              : [],
          })),
        });
      }
    } finally {
      await admin.disconnect();
    }
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
          producer.send({
            topic,
            acks: -1,
            messages: messages.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
          }),
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
            const messages: InMessage[] = batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? '',
              value: m.value ?? Buffer.alloc(0),
              headers: Object.fromEntries(
                Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')]),
              ),
            }));
            // A rejection propagates to kafkajs, which does not commit and redelivers the batch.
            const last = batch.messages[batch.messages.length - 1];
            if (last === undefined) return;
            await handler({ topic: batch.topic, partition: batch.partition, messages, next: (BigInt(last.offset) + 1n).toString() });
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
      const admin = kafka.admin();
      await admin.connect();
      const groupId = `${clientId}-read-${String(Date.now())}-${String(Math.floor(Math.random() * 1e9))}`;
      try {
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
        const pending = new Set([...ends].filter(([, o]) => o.high > o.low).map(([p]) => p));
        const out: InMessage[] = [];
        if (pending.size === 0) return out;
        const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
        await consumer.connect();
        try {
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => {
              reject(new KauditError(errorCodes.busUnavailable, `reading ${topic} did not finish within 120 s`, { retriable: true }));
            }, 120_000);
            consumer
              .run({
                eachBatch: ({ batch }) => {
                  for (const m of batch.messages) {
                    out.push({ topic, partition: batch.partition, offset: m.offset, key: m.key?.toString('utf8') ?? '', value: m.value ?? Buffer.alloc(0), headers: {} });
                  }
                  const end = ends.get(batch.partition);
                  const last = batch.messages.at(-1);
                  if (end && last && BigInt(last.offset) + 1n >= end.high) pending.delete(batch.partition);
                  if (pending.size === 0) {
                    clearTimeout(timer);
                    resolve();
                  }
                  return Promise.resolve();
                },
              })
              .catch((err: unknown) => {
                clearTimeout(timer);
                reject(err instanceof Error ? err : new Error(String(err)));
              });
          });
        } finally {
          await consumer.disconnect();
        }
        // only what was there when we started
        return out.filter((m) => BigInt(m.offset) < (ends.get(m.partition)?.high ?? 0n));
      } finally {
        await admin.deleteGroups([groupId]).catch(() => undefined);
        await admin.disconnect();
      }
    },
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
