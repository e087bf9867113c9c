// Whole pipeline in one process through a real Kafka broker (ingest → events → analyzer → records/findings → store), fed with
// ../shared/corpus events (see shared/testing corpusBatch for which).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { corpusScenario } from '../helpers/corpus-scenario.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { kafkaBrokerList } from '../kafka/index.js';

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
});
