// The sustained benchmark at a small size against the built `npm start` process: it must measure what it
// says (every acknowledged event stored, none lost) so its figures can be trusted at full size.
import { describe, expect, it } from 'vitest';
import { benchSustained } from '../../bench/sustained.js';

describe('sustained benchmark', () => {
  it('posts EventLists of 400 to npm start and sees every acknowledged event stored', async () => {
    const f = await benchSustained({ seconds: 3, rate: 2_000, senders: 2 });
    expect(f.ackedEvents).toBeGreaterThanOrEqual(2_000);
    expect(f.ackedEvents % 400).toBe(0);
    expect(f).toMatchObject({ storedEvents: f.ackedEvents, lost: 0, eventsPerBatch: 400 });
    expect(f.endToEndEventsPerSec).toBeGreaterThan(0);
    expect(f.rssMiB.max).toBeGreaterThan(0);
    expect(f.samples.length).toBeGreaterThan(0);
  }, 180_000);
});
