// The lake (KAUDIT_LAKE_DIR, shared/storage/lake.ts): the retention hands whole days past it to Parquet by day
// and cluster, and the query API answers a range that reaches back there as it did before, reading the lake
// and the live DuckDB file together. Real DuckDB file, real Parquet files on the local file system. Events:
// the generated fleet log (fleetStream) spread over 40 days and two clusters.
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, RecordMessage } from '#shared/contracts';
import { createEngine, RbacRegistry } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { loadStoreConfig } from '#shared/config';
import { handOffToLake, lakeFiles, openDatabase, startRetention, type Database } from '#shared/storage';
import { envelopeOf, fleetSnapshot, fleetStream } from '#shared/testing';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens } from '../helpers/pipeline.js';

const now = Date.parse('2026-12-01T12:00:00Z');
const dayMs = 86_400_000;
const day = (d: number) => new Date(now - d * dayMs).toISOString();

/** Two short fleet logs a day for `days` days back, alternately from two clusters, through one engine. */
function analyzed(days: number, tag = ''): { records: RecordMessage[]; findings: Finding[] } {
  const rbac = new RbacRegistry();
  rbac.loadSnapshot(fleetSnapshot());
  const engine = createEngine({ rbac });
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  for (let d = days; d >= 0; d--) {
    const cluster = d % 2 === 0 ? 'east' : 'west';
    // two short logs a day, three hours apart (a day of several hours)
    for (const hours of [0, 3]) {
      for (const e of fleetStream({ rounds: 3, readsPerRound: 12, developers: 8, start: new Date(Date.parse(day(d)) + hours * 3_600_000).toISOString() })) {
        const event = { ...e, auditID: `${tag}d${String(d)}h${String(hours)}-${String(e.auditID)}` };
        const a = engine.analyze(envelopeOf(event, cluster));
        records.push({ record: a.record, event });
        findings.push(...a.findings);
      }
    }
  }
  return { records, findings };
}

describe('the lake: days past the retention in Parquet, still answered', () => {
  let db: Database;
  let app: FastifyInstance;
  let lake: string;
  beforeEach(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-lake-'));
    lake = path.join(dir, 'lake');
    db = await openDatabase(path.join(dir, 'k.duckdb'));
    await db.write(analyzed(40));
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger: silentLogger(), isReady: () => true, retentionDays: 30, lakeDir: lake, now: () => now, rateLimitPerMinute: 100_000 });
  });
  afterEach(async () => {
    await app.close();
    await db.close();
  });

  const get = async <T>(url: string): Promise<T> => {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${apiTokens.analyst.token}` } });
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json<T>();
  };
  /** Every page of a list, through its cursors. */
  const all = async (url: string): Promise<unknown[]> => {
    const out: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: unknown[]; nextCursor: string | null } = await get(`${url}&limit=50${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return out;
  };
  const quarter = `since=${encodeURIComponent(day(90))}&until=${encodeURIComponent(day(-1))}`;
  /** What an analyst sees of the last quarter: findings, a filtered list, incidents, stats, events, a finding. */
  async function view(oldFinding: string) {
    return {
      findings: await all(`/v1/findings?${quarter}`),
      mismatches: await all(`/v1/findings?${quarter}&ruleId=authz-decision-mismatch&cluster=west`),
      incidents: await all(`/v1/incidents?${quarter}`),
      stats: await get(`/v1/stats?${quarter}&groupBy=ruleId&interval=1d`),
      events: await all(`/v1/events?since=${encodeURIComponent(day(36))}&until=${encodeURIComponent(day(27))}&user=dev-3`),
      finding: await get(`/v1/findings/${oldFinding}`),
      identity: await get('/v1/identities/dev-3'),
      credentials: await all('/v1/credentials?staleAfterDays=5'),
    };
  }
  const count = async (table: string) => Number((await db.query(`SELECT count(*)::INTEGER AS n FROM ${table}`))[0]?.n);
  const oldest = async () => String((await db.query('SELECT id FROM findings ORDER BY event_time LIMIT 1'))[0]?.id);

  it('hands every whole day before the cut-off to Parquet by day and cluster, and answers the quarter as before', async () => {
    const old = await oldest();
    const before = await view(old);
    expect(before.findings.length).toBeGreaterThan(500);
    expect(before.events.length).toBeGreaterThan(20);
    const rows = { records: await count('records'), findings: await count('findings') };

    const res = await app.inject({ method: 'POST', url: '/v1/admin/retention', headers: { authorization: `Bearer ${apiTokens.admin.token}` } });
    expect(res.statusCode, res.body).toBe(200);
    const pass = res.json<{ deletedRecords: number; deletedFindings: number; lakeDays: string[] }>();
    // days 40 to 31 back are before the cut-off (30 days back, 12:00): the cut-off's own day stays
    expect(pass.lakeDays).toEqual(Array.from({ length: 10 }, (_, i) => day(40 - i).slice(0, 10)));
    expect(await count('records')).toBe(rows.records - pass.deletedRecords);
    expect(await count('findings')).toBe(rows.findings - pass.deletedFindings);
    expect(pass.deletedFindings).toBeGreaterThan(100);
    expect(Number((await db.query("SELECT count(*)::INTEGER AS n FROM records WHERE event_time < CAST($1 AS TIMESTAMP)", [day(30).slice(0, 10)]))[0]?.n)).toBe(0);

    // the export's layout: day and cluster in the folder names, readable as a Hive-partitioned table
    expect(readdirSync(path.join(lake, 'findings')).sort()).toEqual(pass.lakeDays.map((d) => `day=${d}`));
    expect(readdirSync(path.join(lake, 'findings', `day=${day(40).slice(0, 10)}`))).toEqual(['cluster=east']);
    const hive = await db.query(`SELECT count(*)::INTEGER AS n, count(DISTINCT cluster)::INTEGER AS c FROM read_parquet($1, hive_partitioning = true)`, [path.join(lake, 'findings', '**', '*.parquet')]);
    expect(hive[0]).toEqual({ n: pass.deletedFindings, c: 2 });

    // the same answers from the lake and the file together
    expect(await view(old)).toEqual(before);
    // and a range wholly in the live file reads no lake file
    expect(await lakeFiles(db, 'findings', { since: day(10), until: day(0) })).toEqual([]);
  });

  it('reads only the files a pass listed: a pass that failed half-way, or a stray file, changes nothing, and the next pass completes', async () => {
    const old = await oldest();
    const before = await view(old);
    // a pass whose transaction fails after its first COPY: the file is written, nothing is listed or deleted
    const failing: Pick<Database, 'query' | 'transaction'> = {
      query: (sql, params, types) => db.query(sql, params, types),
      transaction: (steps) =>
        db.transaction((run) =>
          steps(async (sql, params, types) => {
            if (sql.startsWith('DELETE')) throw new Error('disk full');
            return run(sql, params, types);
          }),
        ),
    };
    await expect(handOffToLake(failing, lake, new Date(now - 30 * dayMs))).rejects.toThrow(/disk full/);
    expect(existsSync(path.join(lake, 'records'))).toBe(true);
    expect(await lakeFiles(db, 'records')).toEqual([]);
    expect(await view(old)).toEqual(before);

    const pass = await handOffToLake(db, lake, new Date(now - 30 * dayMs));
    expect(pass.days).toHaveLength(10);
    // a stray Parquet file beside the listed ones (a copy of one): never read
    const [listed] = await lakeFiles(db, 'findings');
    copyFileSync(listed ?? '', `${listed ?? ''}.stray.parquet`);
    expect(await view(old)).toEqual(before);
  });

  it('hands a day larger than one transaction’s rows over in parts of whole hours, with the same answers', async () => {
    const old = await oldest();
    const before = await view(old);
    const transactions: number[] = [];
    const counting: Pick<Database, 'query' | 'transaction'> = {
      query: (sql, params, types) => db.query(sql, params, types),
      transaction: (steps) => {
        transactions.push(Date.now());
        return db.transaction(steps);
      },
    };
    const whole = await handOffToLake(counting, lake, new Date(now - 30 * dayMs), { maxRows: 40 });
    expect(whole.days).toHaveLength(10);
    // each day holds two hours of events, each more than 40 rows: two parts a day
    expect(transactions).toHaveLength(20);
    const days = await db.query('SELECT day::VARCHAR AS day, count(*)::INTEGER AS n FROM lake_files WHERE tbl = $1 GROUP BY day ORDER BY day', ['records']);
    expect(days.map((d) => d.day)).toEqual(whole.days);
    expect(await view(old)).toEqual(before);
  });

  it('is configured by KAUDIT_LAKE_DIR, and the hourly retention hands over with it', async () => {
    const env = { KAUDIT_API_TOKENS: `${apiTokens.admin.name}:admin=${apiTokens.admin.token}`, KAUDIT_RETENTION_DAYS: '30' };
    expect(loadStoreConfig(env).lakeDir).toBeUndefined();
    expect(loadStoreConfig({ ...env, KAUDIT_LAKE_DIR: lake }).lakeDir).toBe(lake);
    const rows = await count('records');
    const retention = startRetention({ db, days: 30, lake, logger: silentLogger(), now: () => now, firstRunMs: 60_000 });
    const pass = await retention.runOnce();
    await retention.stop();
    expect(pass.lake?.days).toHaveLength(10);
    expect(await count('records')).toBe(rows - pass.records);
    expect((await lakeFiles(db, 'records')).length + (await lakeFiles(db, 'findings')).length).toBe(pass.lake?.files);
    // without a lake the same pass deletes
    const deleting = startRetention({ db, days: 20, logger: silentLogger(), now: () => now, firstRunMs: 60_000 });
    const deleted = await deleting.runOnce();
    await deleting.stop();
    expect(deleted.lake).toBeUndefined();
    expect(deleted.records).toBeGreaterThan(0);
  });

  it('a late row of a day already in the lake is answered from the file, and the next pass hands it over too', async () => {
    await handOffToLake(db, lake, new Date(now - 30 * dayMs));
    const late = analyzed(35, 'late-');
    const lateOnes = late.findings.filter((f) => Date.parse(f.eventTime) < now - 34 * dayMs && Date.parse(f.eventTime) >= now - 35 * dayMs - dayMs);
    expect(lateOnes.length).toBeGreaterThan(0);
    await db.write({ records: late.records.filter((r) => Date.parse(r.record.eventTime) < now - 34 * dayMs), findings: lateOnes });
    const ids = (items: unknown[]) => (items as Finding[]).map((f) => f.id).sort();
    const seen = ids(await all(`/v1/findings?${quarter}`));
    expect(seen).toEqual(expect.arrayContaining(lateOnes.map((f) => f.id)));
    const second = await handOffToLake(db, lake, new Date(now - 30 * dayMs));
    expect(second.findings).toBe(lateOnes.length);
    expect(ids(await all(`/v1/findings?${quarter}`))).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
