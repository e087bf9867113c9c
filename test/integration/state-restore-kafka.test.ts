import { describe, it } from 'vitest';
import { stateSurvivesRestart } from '../helpers/state-scenario.js';
import { kafkaBrokerList } from '../kafka/index.js';

describe('rule state on Kafka', () => {
  it('survives a restart of the analyzer (compacted state topic written per batch, read back on start)', async () => {
    await stateSurvivesRestart(kafkaBrokerList());
  });
});
