// The lake at scale (`npm run bench -- lake [records] [findings]`): a store of 10M records and 1M findings over
// 30 days (bench/store.ts), the API's queries over the last 30 days timed, then every day but the last 7 handed
// to the lake (shared/storage/lake.ts) and the same queries timed again, now reading the lake and the file.
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { handOffToLake, openDatabase, type Database } from '#shared/storage';
import { listCredentials } from '../services/store/src/queries/credentials.js';
import { findingById } from '../services/store/src/queries/finding-by-id.js';
import { identitySummary } from '../services/store/src/queries/identities.js';
import { listEvents } from '../services/store/src/queries/events.js';
import { listFindings } from '../services/store/src/queries/findings.js';
import { listIncidents } from '../services/store/src/queries/incidents.js';
import { findingStats } from '../services/store/src/queries/stats.js';
import { bytesUnder } from './measure.js';
import { fillSyntheticStore, measure } from './store.js';

const dayMs = 86_400_000;

export async function benchLake({ records = 10_000_000, findings = 1_000_000, keepDays = 7, runs = 10 }: { records?: number; findings?: number; keepDays?: number; runs?: number } = {}): Promise<object> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kaudit-bench-lake-'));
  const file = path.join(dir, 'store.duckdb');
  const lake = path.join(dir, 'lake');
  const db: Database = await openDatabase(file);
  try {
    const now = Date.now();
    await fillSyntheticStore(db, { records, findings, now });
    await db.execute('CHECKPOINT');
    const fileBytes = statSync(file).size;
    const since = new Date(now - 30 * dayMs).toISOString();
    const until = new Date(now + 1000).toISOString();
    const busy = (await db.query('SELECT "user" FROM findings GROUP BY 1 ORDER BY count(*) DESC LIMIT 10')).map((r) => String(r.user));
    const userAt = (k: number) => busy[k % busy.length] ?? '';
    // a finding of the oldest day: in the lake after the hand-over
    const oldIds = (await db.query('SELECT id FROM findings ORDER BY event_time LIMIT 10')).map((r) => String(r.id));
    const lakeWeek = { since: new Date(now - 20 * dayMs).toISOString(), until: new Date(now - 13 * dayMs).toISOString() };
    const queries: Record<string, (k: number) => Promise<unknown>> = {
      findingsPage30d: () => listFindings(db, { since, until, limit: 50 }),
      findingsLastPage30d: async () => {
        // the oldest page of the range: keyset paging to it is a query for findings before a time in the lake
        await listFindings(db, { since, until: new Date(now - 29 * dayMs).toISOString(), limit: 50 });
      },
      findingsUser30d: (k) => listFindings(db, { since, until, user: userAt(k), limit: 50 }),
      findingsRuleWeekInLake: () => listFindings(db, { ...lakeWeek, ruleId: ['forbidden-burst'], limit: 50 }),
      statsRuleDaily30d: () => findingStats(db, { since, until, groupBy: 'ruleId', interval: '1d' }),
      incidents30d: () => listIncidents(db, { since, until, limit: 50, windowSeconds: 600 }),
      eventsUser30d: (k) => listEvents(db, { since, until, user: userAt(k), limit: 50 }),
      findingById: (k) => findingById(db, oldIds[k % oldIds.length] ?? ''),
      identity: (k) => identitySummary(db, userAt(k)),
      credentials: () => listCredentials(db, { staleAfterDays: 90, limit: 50 }),
    };
    const timeAll = async () => {
      const out: Record<string, object> = {};
      for (const [name, q] of Object.entries(queries)) out[name] = await measure(runs, q);
      return out;
    };
    const before = await timeAll();
    const started = performance.now();
    const handed = await handOffToLake(db, lake, new Date(now - keepDays * dayMs));
    const handOffMs = Math.round(performance.now() - started);
    await db.execute('CHECKPOINT');
    const after = await timeAll();
    const lakeBytes = bytesUnder(lake);
    return {
      records,
      findings,
      days: 30,
      keptInFile: keepDays,
      handedDays: handed.days.length,
      handedRows: handed.records + handed.findings,
      lakeFiles: handed.files,
      handOffSeconds: Math.round(handOffMs / 100) / 10,
      handOffRowsPerSecond: Math.round(((handed.records + handed.findings) / handOffMs) * 1000),
      fileBytesPerDayBefore: Math.round(fileBytes / 30),
      lakeBytesPerDay: Math.round(lakeBytes / Math.max(1, handed.days.length)),
      queriesFileOnly: before,
      queriesLakeAndFile: after,
    };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
