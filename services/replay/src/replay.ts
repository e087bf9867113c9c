// Replay (README "Forensic replay"): audit logs from files → one engine, in event-time order → the store's DuckDB schema.
// Deterministic (envelopes carry the event's own time as receivedAt, so time-based rules see event time)
// and idempotent (rows are keyed; `db.write` is INSERT OR IGNORE).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { auditEventParser, decode, defaultEventLimits, eventLimitViolation, foreignEvent, gkeClusterOf, gkeConverted, notRfc3339, parseRfc3339, type AuditEvent, type EventLimits } from '#shared/contracts';
import { engineFromFiles, eventTime, type EventTime, type Tuning } from '#shared/engine';
import { Staged, type Database } from '#shared/storage';
import { pack, unpacked } from '#shared/threads';
import { rawPolicies, type ChunkOutput, type RawPolicy } from './analyze-chunk.js';
import { chunksOnThisThread, startReplayThread, type ChunkRunner } from './engine-thread.js';
import { expandPaths, readFile, stdinPath, type InputFormat } from './sources/read-files.js';
import type { MalformedLine, ReplaySource } from './sources/types.js';
import { cmp, merged, reordered, sortKey, type Pending } from './order.js';

export type { ReplaySource } from './sources/types.js';

export const defaultCluster = 'replay';
/**
 * Records per bulk load into DuckDB: at least a row group (122,880 rows), so DuckDB writes the rows straight
 * to the database file rather than through its write-ahead log. Rows are staged in NDJSON files on disk
 * until then, so memory does not grow with it.
 */
export const defaultBatchSize = 125_000;
/**
 * How far out of event-time order events may be inside one input and still be analysed in order: each
 * input is sorted through a buffer of this many events (kube-apiserver writes an event when its stage
 * completes, so a log is nearly in stageTimestamp order already). Memory is bounded by it, per input.
 */
export const defaultReorderWindow = 10_000;
export { rawPolicies, type RawPolicy } from './analyze-chunk.js';
export const isRawPolicy = (x: string): x is RawPolicy => (rawPolicies as readonly string[]).includes(x);
/** events per request to the engine thread, and requests sent ahead of the one being staged */
const chunkEvents = 500;
const chunksAhead = 4;
/** How many malformed lines the summary lists, the first by file and line (all are counted). */
export const malformedKept = 100;

export interface ReplayProgress {
  /** events analysed so far */
  events: number;
  /** bytes read so far (compressed size for .gz) */
  bytes: number;
  /** bytes of all inputs (undefined when one is stdin or a stream of unknown size) */
  totalBytes: number | undefined;
  elapsedMs: number;
}

export interface ReplayOptions {
  /** files, directories (their files, sorted) or `-` for stdin (JSON lines) */
  inputs?: readonly string[];
  /** other sources (replay --from-kafka); analysed together with `inputs` */
  sources?: readonly ReplaySource[];
  db: Database;
  cluster?: string;
  /** a GKE entry's records take its own cluster (resource.labels.cluster_name) rather than `cluster` */
  entryClusters?: boolean;
  /** first event time included (RFC 3339) */
  since?: string | undefined;
  /** first event time excluded (RFC 3339) */
  until?: string | undefined;
  /** the rules loaded from `rulesFile`, or built in code: the engine then runs on this thread */
  tuning?: Tuning | undefined;
  /** the tuning file: read by the engine's own thread (replay's command line loads it first as `tuning`, to fail early) */
  rulesFile?: string | undefined;
  /** a RBAC snapshot file (JSON or YAML), loaded for the replayed cluster */
  rbacSnapshot?: string | undefined;
  format?: InputFormat;
  /** key of the redaction markers' hashes (the live analyzer's, for the same markers); random when absent */
  redactionKey?: Buffer | undefined;
  /** raw events stored beside their records (default `all`) */
  raw?: RawPolicy;
  /** one event's size and depth (KAUDIT_MAX_EVENT_BYTES, KAUDIT_MAX_JSON_DEPTH): the webhook's limits, so a larger event is a malformed line */
  limits?: EventLimits;
  batchSize?: number;
  reorderWindow?: number;
  stdin?: Readable;
  onProgress?: (p: ReplayProgress) => void;
  /** how often onProgress is called, in events */
  progressEvery?: number;
}

export interface ReplaySummary {
  /** inputs read (files, stdin, topics) */
  files: number;
  /** valid events analysed (inside since/until) */
  events: number;
  /** valid events outside since/until */
  skippedByTime: number;
  /** valid events without a usable timestamp (given the time of the event before them in their input) */
  untimed: number;
  /** `first`: the first malformed lines by file name and line (inputs are read side by side) */
  malformed: { count: number; first: string[] };
  findingsByRule: Record<string, number>;
  findingsBySeverity: Record<string, number>;
  timeRange: { from: string; to: string } | null;
  written: { records: number; findings: number };
  /** time DuckDB spent on bulk loads (they run while later events are analysed) */
  loadMs: number;
  /** events analysed after a later one of the same input: more out of order than the reorder window */
  outOfOrder: number;
  elapsedMs: number;
}

function isoOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = parseRfc3339(value);
  if (!t) throw new RangeError(notRfc3339(name, value));
  return t.toISOString();
}

function increment(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Input files (directories expanded) as replay sources. */
export async function fileSources(inputs: readonly string[], opts: { format: InputFormat; stdin?: Readable | undefined }): Promise<ReplaySource[]> {
  const files = await expandPaths(inputs);
  return Promise.all(
    files.map(async (file) => ({
      name: file,
      ...(file === stdinPath ? { size: undefined } : await stat(file).then((st) => ({ size: st.size, modifiedAt: st.mtime.toISOString() }))),
      items: (hooks: { onMalformed: (m: MalformedLine) => void; onBytes: (n: number) => void }) =>
        readFile(file, { format: opts.format, onMalformed: hooks.onMalformed, onBytes: hooks.onBytes, ...(opts.stdin ? { stdin: opts.stdin } : {}) }),
    })),
  );
}

/**
 * Replays the sources into `db`: every input is streamed (never held whole), put in event-time order
 * through a bounded reorder buffer and merged with the others (k-way), so rotated sets (`audit.log.1`,
 * `audit.log`, …) and files given in any order are analysed in one event-time sequence by one engine.
 * Memory stays flat as the input grows: per input the reorder window, plus one batch being written.
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const { tuning, raw = 'all' } = options;
  // Settings before any reading: a bad snapshot fails first. The engine runs on a thread of its own unless
  // it was given rules that exist only here (a tuning object without its file).
  const runner =
    tuning !== undefined && options.rulesFile === undefined
      ? chunksOnThisThread((await engineFromFiles({ tuning, rbacSnapshot: options.rbacSnapshot, redactionKey: options.redactionKey })).engine, raw)
      : await startReplayThread({ rulesFile: options.rulesFile, rbacSnapshot: options.rbacSnapshot, redactionKey: options.redactionKey }, raw);
  try {
    return await replayWith(runner, options);
  } finally {
    await runner.close();
  }
}

async function replayWith(runner: ChunkRunner, options: ReplayOptions): Promise<ReplaySummary> {
  const { db, cluster = defaultCluster, format = 'auto', limits = defaultEventLimits, batchSize = defaultBatchSize, onProgress, progressEvery = 1_000 } = options;
  const window = options.reorderWindow ?? defaultReorderWindow;
  const since = isoOption('since', options.since);
  const until = isoOption('until', options.until);
  const started = Date.now();
  let malformedCount = 0;
  const firstMalformed: MalformedLine[] = [];
  const byPlace = (a: MalformedLine, b: MalformedLine) => cmp(a.file, b.file) || a.line - b.line;
  const onMalformed = (m: MalformedLine) => {
    malformedCount++;
    // the first by file and line, whichever input reports first
    if (firstMalformed.length === malformedKept && byPlace(m, firstMalformed[malformedKept - 1] as MalformedLine) >= 0) return;
    firstMalformed.push(m);
    firstMalformed.sort(byPlace);
    if (firstMalformed.length > malformedKept) firstMalformed.pop();
  };
  let bytes = 0;
  const onBytes = (n: number) => {
    bytes += n;
  };

  const sources = [...(options.inputs ? await fileSources(options.inputs, { format, stdin: options.stdin }) : []), ...(options.sources ?? [])];
  const sizes = sources.map((s) => s.size);
  const totalBytes = sizes.every((n) => n !== undefined) ? sizes.reduce((a: number, b) => a + b, 0) : undefined;

  let skippedByTime = 0;
  let untimed = 0;
  let outOfOrder = 0;
  // 1. Each source: parse, validate, time, filter by time, order. An event without a usable time of its own
  //    takes the time of the event before it in the same input (those before the input's first timed event
  //    take that one's, those of an input without any the input's modification time): never 1970, so no
  //    time-based rule sees a gap that is not there. Its record says the time was inferred.
  async function* validEvents(source: ReplaySource): AsyncGenerator<Pending> {
    let lastOwn: string | undefined;
    let leading: { event: AuditEvent; item: Omit<Pending, 'time' | 'key' | 'event'> }[] = [];
    const pending = (event: AuditEvent, rest: Omit<Pending, 'time' | 'key' | 'event'>, time: EventTime): Pending | undefined => {
      if ((since !== undefined && time.time < since) || (until !== undefined && time.time >= until)) {
        skippedByTime++;
        return undefined;
      }
      if (time.inferred) untimed++;
      return { ...rest, event, time: time.time, key: sortKey(event, time) };
    };
    for await (const read of source.items({ onMalformed, onBytes })) {
      const { line, index, cluster: itemCluster, receivedAt, tls } = read;
      const where = index > 0 ? `item ${String(index)}: ` : '';
      // A Cloud Logging LogEntry (GKE's audit log: `gcloud logging read --format=json`, or entries as JSON
      // lines) or a ViaQ record (OpenShift Logging's export) is converted into the Event it stands for, then
      // checked like any other; the Event, not the line, is what is analysed and stored. An entry that is no
      // Kubernetes request is a malformed line.
      const converted = foreignEvent(read.item);
      if (converted?.ok === false) {
        onMalformed({ file: source.name, line, reason: `${where}${converted.reason}` });
        continue;
      }
      const item = converted?.event ?? read.item;
      const entryCluster = converted?.from === gkeConverted && options.entryClusters === true ? gkeClusterOf(read.item) : undefined;
      const text = converted === undefined ? read.text : undefined;
      const beyond = eventLimitViolation(item, limits, text);
      if (beyond !== undefined) {
        onMalformed({ file: source.name, line, reason: `${where}${beyond}` });
        continue;
      }
      const parsed = decode(auditEventParser, item, 'an audit event');
      if (!parsed.ok) {
        onMalformed({ file: source.name, line, reason: `${where}${parsed.reason}` });
        continue;
      }
      const event = parsed.value;
      // the line's text stands for the event only when validation returned the very value parsed from it
      const rest = { cluster: itemCluster ?? entryCluster ?? cluster, tls: tls ?? true, receivedAt, source: source.name, line, index, text: event === item ? text : undefined };
      const fallback = receivedAt ?? lastOwn;
      const time = eventTime(event, fallback ?? source.modifiedAt ?? new Date().toISOString());
      if (time.inferred && fallback === undefined && leading.length < window) {
        leading.push({ event, item: rest });
        continue;
      }
      if (!time.inferred) {
        lastOwn = time.time;
        for (const l of leading) {
          const p = pending(l.event, l.item, eventTime(l.event, time.time));
          if (p) yield p;
        }
        leading = [];
      }
      const p = pending(event, rest, time);
      if (p) yield p;
    }
    for (const l of leading) {
      const p = pending(l.event, l.item, eventTime(l.event, source.modifiedAt ?? new Date().toISOString()));
      if (p) yield p;
    }
  }
  const ordered = merged(sources.map((s) => reordered(validEvents(s), window, () => (outOfOrder += 1))[Symbol.asyncIterator]()));

  // 2. One engine, in event-time order. Rows are staged on disk and bulk-loaded; a load runs while the
  //    next batch is analysed.
  const findingsByRule: Record<string, number> = {};
  const findingsBySeverity: Record<string, number> = {};
  const written = { records: 0, findings: 0 };
  let loadMs = 0;
  const stagingDir = await mkdtemp(path.join(db.stagingDir, 'replay-'));
  let seq = 0;
  const newStaged = () => {
    const n = String(seq++);
    return new Staged(path.join(stagingDir, `records-${n}.ndjson`), path.join(stagingDir, `findings-${n}.ndjson`));
  };
  let staged = newStaged();
  let loading: Promise<void> = Promise.resolve();
  const load = async () => {
    const batch = staged;
    staged = newStaged();
    await batch.close();
    await loading;
    const loadStarted = performance.now();
    loading = db
      .writeFiles({ records: batch.records.lines > 0 ? batch.records.file : undefined, findings: batch.findings.lines > 0 ? batch.findings.file : undefined })
      .then((r) => {
        written.records += r.records;
        written.findings += r.findings;
        loadMs += performance.now() - loadStarted;
      })
      .finally(() => Promise.all([rm(batch.records.file, { force: true }), rm(batch.findings.file, { force: true })]));
  };
  let done = 0;
  let firstTime: string | undefined;
  let lastTime: string | undefined;
  // Chunks go to the engine as they fill, a few ahead of the one being staged, and are staged in order.
  const inFlight: { times: string[]; output: Promise<ChunkOutput> }[] = [];
  let chunk: Pending[] = [];
  const send = () => {
    if (chunk.length === 0) return;
    const sent = chunk;
    chunk = [];
    // the line as read when it was just this event and was taken as it is; else the event as validated
    const texts = pack(sent.map((p) => p.text ?? JSON.stringify(p.event)));
    const output = runner.analyze({ texts, envelopes: sent.map((p) => ({ cluster: p.cluster, receivedAt: p.receivedAt ?? p.time, tls: p.tls })) });
    output.catch(() => undefined);
    inFlight.push({ times: sent.map((p) => p.time), output });
  };
  const stageOldest = async () => {
    const next = inFlight.shift();
    if (next === undefined) return;
    const out = await next.output;
    for (let i = 0; i < out.records.ends.length; i++) {
      // awaited only when a buffer is full: an await per row would cost more than the write
      const drained = staged.records.add(unpacked(out.records, i).toString('utf8'));
      if (drained) await drained;
    }
    for (let i = 0; i < out.findings.ends.length; i++) {
      const drained = staged.findings.add(unpacked(out.findings, i).toString('utf8'));
      if (drained) await drained;
      increment(findingsByRule, out.rule[i] ?? '');
      increment(findingsBySeverity, out.severity[i] ?? '');
    }
    firstTime ??= next.times[0];
    lastTime = next.times.at(-1) ?? lastTime;
    const before = done;
    done += next.times.length;
    if (staged.records.lines >= batchSize) await load();
    if (Math.floor(done / progressEvery) > Math.floor(before / progressEvery)) onProgress?.({ events: done, bytes, totalBytes, elapsedMs: Date.now() - started });
  };
  try {
    for await (const p of ordered) {
      chunk.push(p);
      if (chunk.length < chunkEvents) continue;
      send();
      if (inFlight.length >= chunksAhead) await stageOldest();
    }
    send();
    while (inFlight.length > 0) await stageOldest();
    await load();
    await loading;
  } finally {
    await Promise.all(inFlight.splice(0).map((f) => f.output.catch(() => undefined)));
    await staged.close().catch(() => undefined);
    await loading.catch(() => undefined);
    await rm(stagingDir, { recursive: true, force: true });
  }
  onProgress?.({ events: done, bytes, totalBytes, elapsedMs: Date.now() - started });

  return {
    files: sources.length,
    events: done,
    skippedByTime,
    untimed,
    malformed: { count: malformedCount, first: firstMalformed.map((m) => `${m.file}:${String(m.line)}: ${m.reason}`) },
    findingsByRule,
    findingsBySeverity,
    timeRange: firstTime !== undefined && lastTime !== undefined ? { from: firstTime, to: lastTime } : null,
    written,
    loadMs: Math.round(loadMs),
    outOfOrder,
    elapsedMs: Date.now() - started,
  };
}
