// The raw `events` topic is the only place credentials are kept unredacted: kaudit creates it with a bounded
// retention (KAUDIT_EVENTS_RETENTION_HOURS, default 7 days), on a real broker.
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createBus, topicNames } from '#shared/bus';
import { loadAnalyzerConfig } from '#shared/config';
import { silentLogger } from '#shared/logging';
import { kafkaBrokerList, kafkaBrokers, uniqueName } from '../kafka/index.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

describe('events topic retention', () => {
  it('creates the events topic with retention.ms from KAUDIT_EVENTS_RETENTION_HOURS (raw events kept for a bounded time)', async () => {
    const prefix = `${uniqueName('ret')}.`;
    const config = loadAnalyzerConfig({ KAFKA_BROKERS: kafkaBrokers(), KAUDIT_TOPIC_PREFIX: prefix, KAUDIT_EVENTS_RETENTION_HOURS: '36' });
    const bus = createBus({ config: config.bus, clientId: uniqueName('ret'), logger: silentLogger() });
    await bus.start();
    await bus.close();
    const admin = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topics = topicNames(prefix);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [topics.events, topics.records].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
      });
      const retention = Object.fromEntries(described.resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'retention.ms')]));
      expect(retention[topics.events]).toMatchObject({ configValue: String(36 * 3_600_000), isDefault: false });
      expect(retention[topics.records]?.isDefault).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });
});
