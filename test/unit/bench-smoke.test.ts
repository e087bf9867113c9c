// The benchmarks at a small size, so a schema or API change that breaks one fails here rather than on the
// next `npm run bench`. Figures are not judged (speed goals live in the benchmarks themselves).
import { describe, expect, it } from 'vitest';
import { benchLake } from '../../bench/lake.js';
import { benchNotify } from '../../bench/notify.js';
import { benchReplay } from '../../bench/replay.js';
import { benchStore } from '../../bench/store.js';

describe('benchmarks at a small size', () => {
  it('store: builds the tables the schema defines, runs every query and the sink beside them', async () => {
    const figures = (await benchStore({ records: 2_000, findings: 200, runs: 2, sinkBatches: 2 })) as Record<string, unknown>;
    expect(figures).toMatchObject({ records: 2_000, findings: 200 });
    expect(figures).not.toHaveProperty('sinkError');
    expect(figures.sinkRowsWritten).toBe(10_000);
    expect(figures.findingsNoFilter).toMatchObject({ p50Ms: expect.any(Number) as unknown });
  }, 60_000);

  it('lake: hands all but the last days to the lake and runs every query before and after', async () => {
    const figures = (await benchLake({ records: 20_000, findings: 2_000, runs: 2 })) as Record<string, unknown>;
    expect(figures).toMatchObject({ records: 20_000, findings: 2_000, handedDays: 23 });
    expect(figures.handedRows).toBeGreaterThan(0);
    expect(Object.keys(figures.queriesLakeAndFile as object).sort()).toEqual(Object.keys(figures.queriesFileOnly as object).sort());
  }, 60_000);

  it('replay: replays a generated file and finds what the catalogue finds in it', async () => {
    const figures = await benchReplay({ events: 2_000 });
    expect(figures).toMatchObject({ events: 2_000, raw: 'all' });
    expect(figures.findings).toBeGreaterThan(0);
  }, 60_000);

  it('notify: delivers every finding to each output and groups the grouped ones', async () => {
    const figures = await benchNotify({ latencyFindings: 20, burst: 300, groupedFindings: 300, identities: 5, windowSeconds: 1 });
    expect(Object.keys(figures.latency).sort()).toEqual(['alertmanager', 'syslog', 'webhook']);
    for (const t of Object.values(figures.throughput)) expect(t.findings).toBe(300);
    expect(figures.grouping).toMatchObject({ findings: 300, identities: 5 });
    expect(figures.grouping.notifications).toBeGreaterThanOrEqual(5);
    expect(figures.grouping.notifications).toBeLessThan(300);
  }, 60_000);
});
