// Replay speed next to a bare readline + JSON.parse pass over the same JSON-lines file, measured side by
// side in one run; plus events/s and peak RSS. The file is generated from the corpus mix (unique auditIDs,
// increasing times) in a temp directory.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { openDatabase } from '#shared/storage';
import { replay, type RawPolicy } from '../services/replay/src/replay.js';
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

    const db = await openDatabase(path.join(dir, 'replay.duckdb'), { memoryLimit: '1GB' });
    t = performance.now();
    const summary = await replay({ inputs: [file], db, raw });
    const replayMs = performance.now() - t;
    await db.close();
    clearInterval(sampler);
    if (parsed !== events || summary.events !== events) throw new Error(`read ${String(parsed)} / replayed ${String(summary.events)} of ${String(events)}`);
    return {
      events,
      raw,
      fileMiB: Math.round(statSync(file).size / 2 ** 20),
      bareParseMs: Math.round(bareParseMs),
      replayMs: Math.round(replayMs),
      dbLoadMs: summary.loadMs,
      ratioToBareParse: Math.round((bareParseMs / replayMs) * 1000) / 1000,
      replayEventsPerSec: Math.round(events / (replayMs / 1000)),
      peakRssMiB: Math.round(peak / 2 ** 20),
      peakHeapMiB: Math.round(peakHeap / 2 ** 20),
      findings: Object.values(summary.findingsByRule).reduce((a, b) => a + b, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
