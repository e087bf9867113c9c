// Replay (SPEC §7): audit logs from files → one engine, in event-time order → the store's DuckDB schema.
// Deterministic (envelopes carry the event's own time as receivedAt, so time-based rules see event time)
// and idempotent (rows are keyed; `db.write` is INSERT OR IGNORE).
import type { Readable } from 'node:stream';
import { auditEventSchema, type AuditEvent, type Finding, type RecordMessage } from '#shared/contracts';
import { builtinRules, createEngine, eventTime, RbacRegistry, type Tuning } from '#shared/engine';
import type { Database } from '#shared/storage';
import { expandPaths, readFile, type InputFormat, type MalformedLine } from './sources/read-files.js';

export const defaultCluster = 'replay';
export const defaultBatchSize = 5_000;
/** How many malformed lines the summary lists (all are counted). */
export const malformedKept = 100;
/** receivedAt (and so event time) of events that carry no timestamp at all: sorted first. */
export const untimedEpoch = '1970-01-01T00:00:00.000Z';

export interface ReplayProgress {
  phase: 'read' | 'analyze';
  /** events read (read phase) or analysed (analyze phase) so far */
  events: number;
  /** events to analyse (analyze phase) */
  total: number | undefined;
  /** bytes read from disk so far (compressed size for .gz) */
  bytes: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  /** files, directories (their files, sorted) or `-` for stdin (JSON lines) */
  inputs: readonly string[];
  db: Database;
  cluster?: string;
  /** first event time included (RFC 3339) */
  since?: string | undefined;
  /** first event time excluded (RFC 3339) */
  until?: string | undefined;
  tuning?: Tuning | undefined;
  /** a RBAC snapshot file (JSON or YAML), loaded for the replayed cluster */
  rbacSnapshot?: string | undefined;
  format?: InputFormat;
  batchSize?: number;
  stdin?: Readable;
  onProgress?: (p: ReplayProgress) => void;
  /** how often onProgress is called, in events */
  progressEvery?: number;
}

export interface ReplaySummary {
  files: number;
  /** valid events analysed (inside since/until) */
  events: number;
  /** valid events outside since/until */
  skippedByTime: number;
  /** valid events without any timestamp (analysed first, with time 1970-01-01) */
  untimed: number;
  malformed: { count: number; first: string[] };
  findingsByRule: Record<string, number>;
  findingsBySeverity: Record<string, number>;
  timeRange: { from: string; to: string } | null;
  written: { records: number; findings: number };
  elapsedMs: number;
}

interface Pending {
  event: AuditEvent;
  /** millisecond ISO time, as the engine computes it */
  time: string;
  /** sort key with the timestamp's full precision (audit logs carry microseconds) */
  key: string;
}

const utcFraction = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/** stageTimestamp, else requestReceivedTimestamp, else `timestamp`, as text sortable to the nanosecond. */
function sortKey(event: AuditEvent, time: string): string {
  const raw = event.stageTimestamp ?? event.requestReceivedTimestamp ?? event.timestamp;
  const m = raw === undefined ? null : utcFraction.exec(raw);
  if (m) return `${m[1] ?? ''}.${(m[2] ?? '').padEnd(9, '0')}Z`;
  return `${time.slice(0, 23)}000000Z`;
}

function isoOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RangeError(`${name} must be an RFC 3339 time, got ${JSON.stringify(value)}`);
  return new Date(t).toISOString();
}

function zodReason(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return 'not an audit event';
  const where = issue.path.map(String).join('.');
  return `not an audit event: ${where ? `${where}: ` : ''}${issue.message}`;
}

function increment(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * Replays the inputs into `db`. All events are read and sorted by event time (stable: ties keep file
 * order, then line order) before analysis, so rotated sets (`audit.log.1`, `audit.log`, …) and files
 * given in any order are analysed in event-time order. Memory therefore grows with the input (about the
 * parsed events); a flat-memory k-way merge of per-file streams is future work.
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const { db, cluster = defaultCluster, tuning, format = 'auto', batchSize = defaultBatchSize, onProgress, progressEvery = 1_000 } = options;
  const since = isoOption('since', options.since);
  const until = isoOption('until', options.until);
  const started = Date.now();
  const malformed = { count: 0, first: [] as string[] };
  const onMalformed = (m: MalformedLine) => {
    malformed.count++;
    if (malformed.first.length < malformedKept) malformed.first.push(`${m.file}:${String(m.line)}: ${m.reason}`);
  };
  let bytes = 0;
  const progress = (phase: ReplayProgress['phase'], events: number, total: number | undefined) =>
    onProgress?.({ phase, events, total, bytes, elapsedMs: Date.now() - started });

  // Settings first: a bad snapshot fails before any reading.
  const rbac = new RbacRegistry();
  if (options.rbacSnapshot !== undefined) {
    try {
      await rbac.loadSnapshotFile(options.rbacSnapshot);
    } catch (err) {
      throw new Error(`cannot load RBAC snapshot ${options.rbacSnapshot}: ${(err as Error).message}`, { cause: err });
    }
  }

  // 1. Read and validate everything.
  const files = await expandPaths(options.inputs);
  const pending: Pending[] = [];
  let skippedByTime = 0;
  let untimed = 0;
  let read = 0;
  for (const file of files) {
    const items = readFile(file, {
      format,
      onMalformed,
      onBytes: (n) => {
        bytes += n;
      },
      ...(options.stdin ? { stdin: options.stdin } : {}),
    });
    for await (const { item, line, index } of items) {
      const parsed = auditEventSchema.safeParse(item);
      if (!parsed.success) {
        onMalformed({ file, line, reason: `${index > 0 ? `item ${String(index)}: ` : ''}${zodReason(parsed.error.issues)}` });
        continue;
      }
      const event = parsed.data;
      const time = eventTime(event, untimedEpoch);
      if ((since !== undefined && time < since) || (until !== undefined && time >= until)) {
        skippedByTime++;
        continue;
      }
      if (event.stageTimestamp === undefined && event.requestReceivedTimestamp === undefined && event.timestamp === undefined) untimed++;
      pending.push({ event, time, key: sortKey(event, time) });
      if (++read % progressEvery === 0) progress('read', read, undefined);
    }
  }
  // Array.prototype.sort is stable: equal keys keep file, line and item order.
  pending.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  // 2. One engine, in event-time order; write in batches.
  const engine = createEngine({ rbac, rules: tuning?.rules ?? builtinRules, ...(tuning ? { settings: tuning.settings } : {}) });
  const findingsByRule: Record<string, number> = {};
  const findingsBySeverity: Record<string, number> = {};
  const written = { records: 0, findings: 0 };
  let records: RecordMessage[] = [];
  let findings: Finding[] = [];
  const flush = async () => {
    if (records.length === 0 && findings.length === 0) return;
    const result = await db.write({ records, findings });
    written.records += result.records;
    written.findings += result.findings;
    records = [];
    findings = [];
  };
  let done = 0;
  for (const p of pending) {
    const analysis = engine.analyze({ cluster, receivedAt: p.time, transport: { tls: true }, event: p.event });
    records.push({ record: analysis.record, event: p.event });
    for (const f of analysis.findings) {
      findings.push(f);
      increment(findingsByRule, f.ruleId);
      increment(findingsBySeverity, f.severity);
    }
    if (records.length >= batchSize) await flush();
    if (++done % progressEvery === 0) progress('analyze', done, pending.length);
  }
  await flush();
  progress('analyze', done, pending.length);

  const firstTime = pending[0]?.time;
  const lastTime = pending.at(-1)?.time;
  return {
    files: files.length,
    events: pending.length,
    skippedByTime,
    untimed,
    malformed,
    findingsByRule,
    findingsBySeverity,
    timeRange: firstTime !== undefined && lastTime !== undefined ? { from: firstTime, to: lastTime } : null,
    written,
    elapsedMs: Date.now() - started,
  };
}
