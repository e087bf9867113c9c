import kafkajs from 'kafkajs';
import type { KafkaConnection } from '#shared/config';
import type { Logger } from '#shared/logging';
import { KauditError, errorCodes, errorMessage } from '#shared/errors';
import type { Bus, ConsumeOptions, InMessage, OutMessage, Subscription } from '../types.js';
import { ensureTopics, partitionCount, topicsHaveLeaders } from './admin.js';
import { chunksOf, kafkaLogCreator, maxSendBytes, toInMessage } from './messages.js';
import { readRange } from './range-reader.js';

// The Kafka adapter: shared/bus/kafka/ is the only place that imports kafkajs (lint holds it). kafkajs is
// CommonJS: default import, then destructure.
const { Kafka, logLevel } = kafkajs;

export { chunksOf, maxSendBytes } from './messages.js';

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
  /** TLS and SASL to the brokers */
  connection?: KafkaConnection | undefined;
  /**
   * Only to consume topics another system writes (an ingest source): start creates no topic and connects
   * no producer (a Listen-only credential could do neither), and produce refuses.
   */
  consumeOnly?: boolean;
}

/** kafkajs's `ssl` and `sasl` options for a connection (the TLS server name is the broker's host). */
export function connectionOptions(connection: KafkaConnection | undefined): Pick<kafkajs.KafkaConfig, 'ssl' | 'sasl'> {
  if (connection === undefined) return {};
  const { tls, sasl } = connection;
  return {
    ...(tls === undefined ? {} : { ssl: { rejectUnauthorized: true, ...tls } }),
    ...(sasl === undefined ? {} : { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as kafkajs.SASLOptions }),
  };
}

export function createKafkaBus(options: KafkaBusOptions): Bus {
  const { brokers, clientId, topics, logger, produceTimeoutMs = 10_000 } = options;
  const kafka = new Kafka({
    clientId,
    brokers,
    ...connectionOptions(options.connection),
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
  const partitionCounts = new Map<string, Promise<number>>();

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

  function startRecoveryProbe(): void {
    if (probe) return;
    probe = (async () => {
      while (lastSendFailed && !closed) {
        if (await topicsHaveLeaders(kafka, topics)) {
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

  return {
    kind: 'kafka',
    async start() {
      if (options.consumeOnly === true) {
        connected = true;
        return;
      }
      await ensureTopics(kafka, options);
      await producer.connect();
      connected = true;
    },
    async produce(topic: string, messages: OutMessage[]) {
      if (closed) throw new KauditError(errorCodes.busClosed, 'bus is closed', { retriable: true });
      if (options.consumeOnly === true) throw new Error(`this Kafka connection only consumes (${topic})`);
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
                messages: chunk.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}), ...(m.partition === undefined ? {} : { partition: m.partition }) })),
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
            await handler({ topic: batch.topic, partition: batch.partition, messages, next: (BigInt(last.offset) + 1n).toString(), highWatermark: batch.highWatermark, heartbeat: () => payload.heartbeat() });
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
    partitions(topic: string): Promise<number> {
      let count = partitionCounts.get(topic);
      if (count === undefined) {
        // a broker that cannot answer is the bus being unavailable, as for a produce (ingest answers 503)
        count = partitionCount(kafka, topic).catch((err: unknown) => {
          throw new KauditError(errorCodes.busUnavailable, `kafka metadata of ${topic} unavailable: ${errorMessage(err)}`, { retriable: true, cause: err });
        });
        // a failed lookup is asked again next time
        count.catch(() => partitionCounts.delete(topic));
        partitionCounts.set(topic, count);
      }
      return count;
    },
    async readAll(topic: string): Promise<InMessage[]> {
      const range = await readRange({ kafka, clientId, consumers }, topic, {});
      try {
        const out: InMessage[] = [];
        for (const p of range.partitions) for await (const m of p.messages) out.push(m);
        return out;
      } finally {
        await range.close();
      }
    },
    readRange: (topic, range) => readRange({ kafka, clientId, consumers }, topic, range),
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
