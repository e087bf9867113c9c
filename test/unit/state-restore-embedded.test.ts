import { describe, it } from 'vitest';
import { stateSurvivesRestart } from '../helpers/state-scenario.js';

describe('rule state on the embedded bus', () => {
  it('survives a restart of the analyzer (state topic written per batch, read back on start)', async () => {
    await stateSurvivesRestart();
  });
});
