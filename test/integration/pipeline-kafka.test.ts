// Whole pipeline through a real Kafka broker (ingest → events → analyzer → records/findings → store),
// fed with ../shared/corpus events (see shared/testing corpusBatch for which).
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaBus } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { corpusBatch } from '#shared/testing';
import { corpusScenario } from '../helpers/corpus-scenario.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { kafkaBrokerList } from '../kafka/index.js';

const { Kafka, logLevel } = kafkajs;

describe('pipeline on Kafka', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ brokers: kafkaBrokerList() });
  });
  afterAll(async () => {
    await p.stop();
  });

  it('turns a corpus EventList into records and the expected findings, once, however often it is posted', async () => {
    await corpusScenario(p);
  });

  it('consumes each event once in steady state (offsets advance; no batch is fetched again)', async () => {
    // corpusScenario delivered the batch twice plus one marker event: the analyzer must have produced
    // exactly one record message per delivered event, not an ever-growing stream of re-processed ones.
    const admin = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const produced = async (topic: string) =>
        (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      // beside each event, ingest writes its copies for the other partitions (shared/engine/shared-state.ts)
      const reader = createKafkaBus({ brokers: kafkaBrokerList(), clientId: 'pipeline-kafka-reader', topics: [], partitions: 1, logger: silentLogger() });
      const events = await reader.readAll(p.topics.events);
      await reader.close();
      const originals = events.filter((m) => (JSON.parse(m.value.toString('utf8')) as { copy?: unknown }).copy === undefined);
      expect(originals).toHaveLength(2 * corpusBatch().valid + 1);
      expect(await produced(p.topics.events)).toBe(events.length);
      expect(await produced(p.topics.records)).toBe(2 * corpusBatch().valid + 1);
      const committed = await admin.fetchOffsets({ groupId: `${p.topics.events.slice(0, -'events'.length)}analyzer`, topics: [p.topics.events] });
      const lag = await Promise.all(
        committed.flatMap((t) => t.partitions).map(async (c) => {
          const high = (await admin.fetchTopicOffsets(p.topics.events)).find((o) => o.partition === c.partition)?.high ?? '0';
          return Number(high) - Math.max(0, Number(c.offset));
        }),
      );
      expect(lag.reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await admin.disconnect();
    }
  });
});
