// Retention (KAUDIT_RETENTION_DAYS) and Parquet export over a real DuckDB file. Rows come from the engine
// run over ../shared/corpus (audit2rbac capture) with event times set per test; the export CLI is run
// from its built entry (dist/, built by `npm run build` before the tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExportConfig, loadStoreConfig } from '#shared/config';
import type { Finding, RecordMessage } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { createLogger } from '#shared/logging';
import { exportParquet, openDatabase, sqlDirectoryLiteral, startRetention, type Database } from '#shared/storage';
import { corpusLines, envelopeOf } from '#shared/testing';

const logger = createLogger({ name: 'test', level: 'silent' });
const root = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(root, 'dist', 'services', 'export', 'src', 'main.js');

/** The audit2rbac events, event i at `times[i % times.length]`, cluster east/west alternating per round. */
function analyzed(times: string[]): { records: RecordMessage[]; findings: Finding[] } {
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  corpusLines('audit2rbac/demo.log').forEach((e, i) => {
    const t = times[i % times.length] ?? '2026-11-01T00:00:00.000000Z';
    const event = { ...(e as Record<string, unknown>), requestReceivedTimestamp: t, stageTimestamp: t };
    const a = createEngine().analyze(envelopeOf(event, Math.floor(i / times.length) % 2 === 0 ? 'east' : 'west'));
    records.push({ record: a.record, event });
    findings.push(...a.findings);
  });
  return { records, findings };
}

async function count(db: Database, table: 'records' | 'findings', where = 'true'): Promise<number> {
  const rows = await db.query(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE ${where}`);
  return Number(rows[0]?.n);
}

describe('retention', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  let db: Database;
  let batch: { records: RecordMessage[]; findings: Finding[] };

  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-ret-')), 'k.duckdb'));
    // 40 days old, 31 days old, 29 days old, 1 day old
    batch = analyzed(['2026-10-18T12:00:00.000000Z', '2026-10-27T11:00:00.000000Z', '2026-10-29T12:00:00.000000Z', '2026-11-26T12:00:00.000000Z']);
    await db.write(batch);
  });
  afterAll(async () => {
    await db.close();
  });

  it('deletes only rows older than the retention in both tables', async () => {
    const cutoff = "event_time < TIMESTAMP '2026-10-28 12:00:00'";
    const oldRecords = await count(db, 'records', cutoff);
    const oldFindings = await count(db, 'findings', cutoff);
    const totalRecords = await count(db, 'records');
    const totalFindings = await count(db, 'findings');
    expect(oldRecords).toBeGreaterThan(0);
    expect(oldFindings).toBeGreaterThan(0);
    expect(oldRecords).toBeLessThan(totalRecords);
    expect(oldFindings).toBeLessThan(totalFindings);

    const retention = startRetention({ db, days: 30, logger, now: () => now, firstRunMs: 60_000 });
    const [a, b] = await Promise.all([retention.runOnce(), retention.runOnce()]);
    expect(a).toEqual({ records: oldRecords, findings: oldFindings });
    expect(b).toBe(a); // a second call during a pass shares it: passes never overlap
    expect(await count(db, 'records', cutoff)).toBe(0);
    expect(await count(db, 'findings', cutoff)).toBe(0);
    expect(await count(db, 'records')).toBe(totalRecords - oldRecords);
    expect(await count(db, 'findings')).toBe(totalFindings - oldFindings);
    expect(await retention.runOnce()).toEqual({ records: 0, findings: 0 });
    await retention.stop();
  });

  it('runs its first pass shortly after start, and stop waits for a running pass', async () => {
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fake = {
      async execute(sql: string) {
        calls.push(sql);
        await gate;
        return 1;
      },
      // without a lake, a pass only deletes
      query: () => Promise.reject(new Error('not used')),
      transaction: () => Promise.reject(new Error('not used')),
    };
    const retention = startRetention({ db: fake, days: 7, logger, firstRunMs: 5, intervalMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(1);
    let stopped = false;
    const stopping = retention.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    expect(calls).toHaveLength(2); // findings, then records; nothing scheduled after stop
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(2);
  });

  it('uses a bound parameter for the cut-off', async () => {
    const seen: unknown[][] = [];
    const retention = startRetention({
      db: {
        execute(sql: string, params?: unknown[]) {
          expect(sql).not.toMatch(/\d{4}-\d{2}-\d{2}/);
          seen.push(params ?? []);
          return Promise.resolve(0);
        },
        query: () => Promise.reject(new Error('not used')),
        transaction: () => Promise.reject(new Error('not used')),
      },
      days: 10,
      logger,
      now: () => now,
      firstRunMs: 60_000,
    });
    await retention.runOnce();
    await retention.stop();
    expect(seen).toEqual([['2026-11-17 12:00:00.000'], ['2026-11-17 12:00:00.000']]);
  });
});

describe('KAUDIT_RETENTION_DAYS', () => {
  const tokens = { KAUDIT_API_TOKENS: 'a:admin=abcdefghijklmnop0123' };
  it('is optional: unset keeps everything', () => {
    expect(loadStoreConfig(tokens).retentionDays).toBeUndefined();
    expect(loadStoreConfig({ ...tokens, KAUDIT_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
  });
  it('names the variable when the value is not a positive integer', () => {
    for (const bad of ['0', '-3', '1.5', 'thirty', '']) {
      expect(() => loadStoreConfig({ ...tokens, KAUDIT_RETENTION_DAYS: bad })).toThrow(/KAUDIT_RETENTION_DAYS/);
    }
  });
  it('the export reads no tokens', () => {
    const c = loadExportConfig({ KAUDIT_DATA_DIR: '/var/kaudit', KAUDIT_API_TOKENS: 'garbage', KAUDIT_INGEST_TOKENS: 'garbage' });
    expect(c.dbFile).toBe(path.resolve('/var/kaudit/kaudit.duckdb'));
  });
});

describe('Parquet export', () => {
  let dir: string;
  let dbFile: string;
  let db: Database;
  const times = ['2026-11-01T08:00:00.000000Z', '2026-11-02T23:59:59.000000Z', '2026-11-03T00:00:00.000000Z', '2026-10-31T23:00:00.000000Z'];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-exp-'));
    dbFile = path.join(dir, 'k.duckdb');
    db = await openDatabase(dbFile);
    await db.write(analyzed(times));
  });
  afterAll(async () => {
    await db.close();
  });

  it('writes records and findings partitioned by day and cluster, readable back with the same counts', async () => {
    const out = path.join(dir, 'out');
    const result = await exportParquet({ db, since: '2026-11-01T00:00:00Z', until: '2026-11-03T00:00:00Z', out });
    const range = "event_time >= TIMESTAMP '2026-11-01' AND event_time < TIMESTAMP '2026-11-03'";
    expect(result.records).toBe(await count(db, 'records', range));
    expect(result.findings).toBe(await count(db, 'findings', range));
    expect(result.records).toBeGreaterThan(0);
    expect(result.findings).toBeGreaterThan(0);
    for (const table of ['records', 'findings']) {
      expect(readdirSync(path.join(out, table)).sort()).toEqual(['day=2026-11-01', 'day=2026-11-02']);
      expect(readdirSync(path.join(out, table, 'day=2026-11-01')).sort()).toEqual(['cluster=east', 'cluster=west']);
      const files = readdirSync(path.join(out, table, 'day=2026-11-02', 'cluster=west'));
      expect(files.length).toBeGreaterThan(0);
      expect(files.every((f) => f.endsWith('.parquet'))).toBe(true);
      const expected = await db.query(
        `SELECT strftime(event_time, '%Y-%m-%d') AS day, cluster, count(*)::INTEGER AS n FROM ${table} WHERE ${range} GROUP BY ALL ORDER BY ALL`,
      );
      const actual = await db.query(
        `SELECT strftime(CAST(day AS DATE), '%Y-%m-%d') AS day, cluster, count(*)::INTEGER AS n ` +
          `FROM read_parquet($1, hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
        [path.join(out, table, '**', '*.parquet')],
      );
      expect(actual).toEqual(expected);
      expect(expected).toHaveLength(4);
    }
    expect(result.files.every((f) => existsSync(f))).toBe(true);
    // the same range again overwrites rather than fails
    await expect(exportParquet({ db, since: '2026-11-01T00:00:00Z', until: '2026-11-03T00:00:00Z', out })).resolves.toEqual(result);
  });

  it('refuses a bad --out, and bad times', async () => {
    for (const out of ["/tmp/x'); DROP TABLE records; --", '/tmp/a"b', '/tmp/a\nb', '']) {
      await expect(exportParquet({ db, since: '2026-11-01T00:00:00Z', until: '2026-11-03T00:00:00Z', out })).rejects.toThrow(/--out/);
    }
    await expect(exportParquet({ db, since: 'yesterday', until: '2026-11-03T00:00:00Z', out: dir })).rejects.toThrow(/--since/);
    await expect(exportParquet({ db, since: '2026-11-03T00:00:00Z', until: '2026-11-01T00:00:00Z', out: dir })).rejects.toThrow(/before/);
    expect(sqlDirectoryLiteral('/data/exports')).toBe("'/data/exports'");
    expect(await count(db, 'records')).toBeGreaterThan(0);
  });
});

describe('export CLI (built entry)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });

  it('exits 2 with the usage on bad arguments', () => {
    for (const args of [[], ['--since', '2026-11-01T00:00:00Z'], ['--since', 'soon', '--until', '2026-11-02T00:00:00Z', '--out', '/tmp/x'], ['--bogus']]) {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/usage: npm run export -- --since/);
    }
    const r = run(['--since', '2026-11-01T00:00:00Z', '--until', '2026-11-02T00:00:00Z', '--out', "/tmp/it's"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out must not contain quotes/);
  });

  it('exports a closed store file and prints a summary', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-cli-'));
    const file = path.join(dir, 'k.duckdb');
    const db = await openDatabase(file);
    await db.write(analyzed(['2026-11-05T10:00:00.000000Z', '2026-11-06T10:00:00.000000Z']));
    const expected = await count(db, 'records');
    await db.close();
    const out = path.join(dir, 'out');
    const r = run(['--since', '2026-11-05T00:00:00Z', '--until', '2026-11-07T00:00:00Z', '--out', out, '--db', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`exported ${String(expected)} records and \\d+ findings`));
    expect(existsSync(path.join(out, 'records', 'day=2026-11-06', 'cluster=west'))).toBe(true);
    expect(existsSync(path.join(out, 'findings', 'day=2026-11-05', 'cluster=east'))).toBe(true);
    // the default database comes from KAUDIT_DATA_DIR
    const r2 = run(['--since', '2026-11-05T00:00:00Z', '--until', '2026-11-07T00:00:00Z', '--out', path.join(dir, 'out2')], {
      KAUDIT_DB_FILE: file,
    });
    expect(r2.status).toBe(0);
    expect(existsSync(path.join(dir, 'out2', 'records', 'day=2026-11-05'))).toBe(true);
  });
});
