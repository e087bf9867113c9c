import type kafkajs from 'kafkajs';
import type { KafkaBusOptions } from './index.js';

// Topic administration: creating kaudit's topics, and asking whether they have leaders again.
/** Whether every partition of `topics` has a leader (the broker is back after an outage). */
export async function topicsHaveLeaders(kafka: kafkajs.Kafka, topics: string[]): Promise<boolean> {
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

/** How many partitions a topic has. */
export async function partitionCount(kafka: kafkajs.Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (count === 0) throw new Error(`topic ${topic} has no partitions`);
    return count;
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics that do not exist yet (compacted or with a retention as `options` say). */
export async function ensureTopics(kafka: kafkajs.Kafka, { topics, partitions, ...options }: Pick<KafkaBusOptions, 'topics' | 'partitions' | 'compactedTopics' | 'retentionMs'>): Promise<void> {
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
