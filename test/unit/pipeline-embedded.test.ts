// Whole pipeline in one process over the embedded durable bus (what `npm start` runs), fed with
// ../shared/corpus events (see shared/testing corpusBatch for which).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { corpusScenario } from '../helpers/corpus-scenario.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';

describe('pipeline on the embedded bus', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await p.stop();
  });

  it('turns a corpus EventList into records and the expected findings, once, however often it is posted', async () => {
    await corpusScenario(p);
  });
});
