// Proves that the integration tests talk to a real Kafka broker: topic creation with leaders,
// an idempotent acks=-1 producer, a consumer group with committed offsets.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, KafkaMessage, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokerList, uniqueName, waitFor } from '../kafka/index.js';

const { Kafka, logLevel } = kafkajs;

const MESSAGE_COUNT = 10;
const PARTITIONS = 3;

interface Received {
  partition: number;
  key: string;
  value: string;
}

describe('real Kafka broker', () => {
  const topic = uniqueName('it-broker');
  const groupId = uniqueName('it-broker-group');
  const kafka = new Kafka({
    clientId: uniqueName('it-broker-client'),
    brokers: kafkaBrokerList(),
    logLevel: logLevel.ERROR,
  });
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('describes a cluster with at least one broker and the test topic with 3 led partitions', async () => {
    if (!admin) throw new Error('admin not connected');
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.clusterId).toBeTruthy();

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
    expect(partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of partitions) expect(p.leader).toBeGreaterThanOrEqual(0);
  });

  it('produces 10 messages idempotently with acks=-1 and consumes all of them in a consumer group', async () => {
    if (!admin) throw new Error('admin not connected');
    const sent = Array.from({ length: MESSAGE_COUNT }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));

    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const metadata = await producer.send({ topic, acks: -1, messages: sent });
    expect(metadata.length).toBeGreaterThanOrEqual(1);
    for (const m of metadata) expect(m.errorCode).toBe(0);

    // the broker stored exactly 10 records, spread over the topic's partitions
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(PARTITIONS);
    expect(offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)).toBe(MESSAGE_COUNT);

    const received: Received[] = [];
    consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }: { partition: number; message: KafkaMessage }) => {
        received.push({
          partition,
          key: message.key?.toString('utf8') ?? '',
          value: message.value?.toString('utf8') ?? '',
        });
        return Promise.resolve();
      },
    });

    await waitFor(
      () => {
        if (received.length < MESSAGE_COUNT) throw new Error(`received ${received.length}/${MESSAGE_COUNT}`);
        return Promise.resolve(true);
      },
      { what: `${MESSAGE_COUNT} messages on ${topic}`, timeoutMs: 60_000 },
    );

    const byKey = (a: { key: string }, b: { key: string }): number => a.key.localeCompare(b.key);
    expect(received.map(({ key, value }) => ({ key, value })).sort(byKey)).toEqual([...sent].sort(byKey));
    for (const r of received) expect(r.partition).toBeGreaterThanOrEqual(0);
    for (const r of received) expect(r.partition).toBeLessThan(PARTITIONS);

    // the group coordinator (__consumer_offsets) works: the group commits all 10 offsets
    await waitFor(
      async () => {
        const committed = await admin?.fetchOffsets({ groupId, topics: [topic] });
        const total = (committed?.[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
        return total === MESSAGE_COUNT;
      },
      { what: `consumer group ${groupId} to commit ${MESSAGE_COUNT} offsets`, timeoutMs: 30_000 },
    );
    expect(received).toHaveLength(MESSAGE_COUNT);
  });
});
