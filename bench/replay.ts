// Replay speed next to a bare readline + JSON.parse pass over the same JSON-lines file, measured side by
// side in one run; plus events/s, peak RSS, and DuckDB's load of the same rows on its own. The file is generated from the corpus mix (unique auditIDs,
// increasing times) in a temp directory.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { findingColumns, openDatabase, rawColumn, recordColumns, sqlDirectoryLiteral } from '#shared/storage';
import { defaultBatchSize, replay, type RawPolicy } from '../services/replay/src/replay.js';
import { corpusEvents } from './corpus.js';

export interface ReplayFigures {
  events: number;
  /** which raw events were stored (--raw) */
  raw: RawPolicy;
  fileMiB: number;
  bareParseMs: number;
  replayMs: number;
  /** of which DuckDB's bulk loads (overlapping the analysis of later events, on the same two cores) */
  dbLoadMs: number;
  /** DuckDB's load of the same rows with nothing else running: a floor for any replay into the store's schema */
  dbLoadAloneMs: number;
  /** the ratio a replay would reach if reading, parsing and analysing took no time at all: bare pass / dbLoadAloneMs */
  ratioCeilingFromDb: number;
  ratioToBareParse: number;
  replayEventsPerSec: number;
  peakRssMiB: number;
  /** JavaScript heap in use at its peak (the rest of RSS is DuckDB's buffer pool, capped at 1 GB, and buffers) */
  peakHeapMiB: number;
  findings: number;
}

async function writeInput(file: string, n: number): Promise<void> {
  const base = corpusEvents() as Record<string, unknown>[];
  const out = createWriteStream(file);
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < n; i++) {
    const e = { ...base[i % base.length], auditID: `bench-${String(i)}`, stageTimestamp: new Date(start + i * 10).toISOString() };
    if (!out.write(`${JSON.stringify(e)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * DuckDB's load of the replayed rows on its own: the rows exported in the staging format (NDJSON record
 * messages and findings) and loaded into a fresh file as replay loads them, in transactions of
 * `defaultBatchSize` records (and a like share of the findings).
 */
async function dbLoadAlone(dir: string, replayed: string): Promise<number> {
  const from = await openDatabase(replayed);
  const count = async (table: string) => Number((await from.query(`SELECT count(*)::BIGINT AS n FROM ${table}`))[0]?.n);
  const records = await count('records');
  const findings = await count('findings');
  const batches = Math.max(1, Math.ceil(records / defaultBatchSize));
  // the staging format: record messages ({"record": {…}, "event": raw}) and findings, with the contract's field names
  const recordSelect = `struct_pack(${recordColumns.map((c) => `"${c.field}" := "${c.name}"`).join(', ')}) AS "record", "${rawColumn.name}" AS "event"`;
  const findingSelect = findingColumns.map((c) => `"${c.name}" AS "${c.field}"`).join(', ');
  const exported = (table: string, select: string, file: string, size: number, batch: number) =>
    `COPY (SELECT ${select} FROM ${table} ORDER BY rowid ` +
    `LIMIT ${String(size)} OFFSET ${String(size * batch)}) TO ${sqlDirectoryLiteral(file)} (FORMAT json)`;
  const staged: { records: string; findings: string }[] = [];
  for (let b = 0; b < batches; b++) {
    const files = { records: path.join(dir, `alone-records-${String(b)}.ndjson`), findings: path.join(dir, `alone-findings-${String(b)}.ndjson`) };
    await from.execute(exported('records', recordSelect, files.records, defaultBatchSize, b));
    await from.execute(exported('findings', findingSelect, files.findings, Math.ceil(findings / batches), b));
    staged.push(files);
  }
  await from.close();
  const to = await openDatabase(path.join(dir, 'alone.duckdb'), { memoryLimit: '1GB' });
  let loaded = 0;
  const t = performance.now();
  for (const files of staged) loaded += (await to.writeFiles(files)).records;
  const ms = performance.now() - t;
  await to.close();
  if (loaded !== records) throw new Error(`the DuckDB-alone load stored ${String(loaded)} of ${String(records)} records`);
  return ms;
}

export async function benchReplay({ events = 200_000, raw = 'all' }: { events?: number; raw?: RawPolicy } = {}): Promise<ReplayFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-replay-'));
  try {
    const file = path.join(dir, 'audit.log');
    await writeInput(file, events);
    let peak = process.memoryUsage().rss;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);

    let t = performance.now();
    let parsed = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (line !== '' && (JSON.parse(line) as unknown) !== null) parsed++;
    }
    const bareParseMs = performance.now() - t;

    const replayed = path.join(dir, 'replay.duckdb');
    const db = await openDatabase(replayed, { memoryLimit: '1GB' });
    t = performance.now();
    const summary = await replay({ inputs: [file], db, raw });
    const replayMs = performance.now() - t;
    await db.close();
    clearInterval(sampler);
    if (parsed !== events || summary.events !== events) throw new Error(`read ${String(parsed)} / replayed ${String(summary.events)} of ${String(events)}`);
    const dbLoadAloneMs = await dbLoadAlone(dir, replayed);
    return {
      events,
      raw,
      fileMiB: Math.round(statSync(file).size / 2 ** 20),
      bareParseMs: Math.round(bareParseMs),
      replayMs: Math.round(replayMs),
      dbLoadMs: summary.loadMs,
      dbLoadAloneMs: Math.round(dbLoadAloneMs),
      ratioToBareParse: Math.round((bareParseMs / replayMs) * 1000) / 1000,
      ratioCeilingFromDb: Math.round((bareParseMs / dbLoadAloneMs) * 1000) / 1000,
      replayEventsPerSec: Math.round(events / (replayMs / 1000)),
      peakRssMiB: Math.round(peak / 2 ** 20),
      peakHeapMiB: Math.round(peakHeap / 2 ** 20),
      findings: Object.values(summary.findingsByRule).reduce((a, b) => a + b, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
