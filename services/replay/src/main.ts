// `npm run replay -- <files or directories…> [options]`: analyses audit logs from files into a DuckDB
// file with the store's schema (README "Forensic replay"). Settings come from the command line only.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { notRfc3339, parseRfc3339, severities } from '#shared/contracts';
import { errorMessage } from '#shared/errors';
import { createBus, topicNames, type Bus, type TopicRange } from '#shared/bus';
import { loadReplayEnvConfig } from '#shared/config';
import { tuningFromFile } from '#shared/engine';
import { createLogger } from '#shared/logging';
import { openDatabase } from '#shared/storage';
import { defaultCluster, isRawPolicy, rawPolicies, replay, type RawPolicy, type ReplayProgress, type ReplaySource, type ReplaySummary } from './replay.js';
import { busSources, widen } from './sources/read-bus.js';
import { inputFormats, type InputFormat } from './sources/read-files.js';

const defaultDb = './data/replay.duckdb';
/** DuckDB's share of replay's memory: enough for a bulk load of defaultBatchSize rows, flat however long the input. */
export const replayMemoryLimit = '1GB';

const usage = `usage: npm run replay -- <files or directories…> [options]
       npm run replay -- --from-kafka --since <RFC3339> [--until <RFC3339>] [options]

  <files or directories>  audit logs: JSON lines, EventList or single-Event documents, Azure
                          {"records":[…]} batches, .gz; a directory means its files; - reads stdin
                          (JSON lines). Events are analysed in event-time order across all files.
  --db <file>             DuckDB file to write (default ${defaultDb}); same schema as the store's
  --from-kafka            read the events topic (KAFKA_BROKERS, KAUDIT_TOPIC_PREFIX; without
                          KAFKA_BROKERS the embedded log under KAUDIT_DATA_DIR, npm start stopped)
                          from the offsets for --since on, with a reader of its own that never
                          touches the live analyzer's consumer group; clusters come from the topic
  --cluster <name>        cluster name for the records and findings of files (default ${defaultCluster};
                          without it, a GKE entry's records take the entry's own cluster_name)
  --since <RFC3339>       first event time included, e.g. 2026-11-01T00:00:00Z
  --until <RFC3339>       first event time excluded
  --rules <file>          tuning file (as KAUDIT_RULES_FILE)
  --rbac-snapshot <file>  RBAC snapshot (as KAUDIT_RBAC_SNAPSHOT)
  --format <f>            auto (default), jsonl, eventlist or yaml
  --raw <which>           raw events stored beside the records: all (default), findings (only
                          events with a finding: a smaller, faster file) or none
  --json                  print the summary as JSON
  -h, --help              this text
`;

class UsageError extends Error {}

interface Args {
  inputs: string[];
  db: string;
  cluster: string;
  /** --cluster was given: it names every file's records, GKE entries' too */
  clusterGiven: boolean;
  since: string | undefined;
  until: string | undefined;
  rules: string | undefined;
  rbacSnapshot: string | undefined;
  format: InputFormat;
  raw: RawPolicy;
  fromKafka: boolean;
  json: boolean;
  help: boolean;
}

function parseReplayArgs(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        cluster: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        rules: { type: 'string' },
        'rbac-snapshot': { type: 'string' },
        format: { type: 'string' },
        raw: { type: 'string' },
        'from-kafka': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const { values, positionals } = parsed;
  const help = values.help ?? false;
  const format = values.format ?? 'auto';
  if (!(inputFormats as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${inputFormats.join(', ')}`);
  const raw = values.raw ?? 'all';
  if (!isRawPolicy(raw)) throw new UsageError(`--raw must be one of ${rawPolicies.join(', ')}`);
  for (const name of ['since', 'until'] as const) {
    const v = values[name];
    if (v !== undefined && parseRfc3339(v) === undefined) throw new UsageError(notRfc3339(`--${name}`, v));
  }
  if (values.since !== undefined && values.until !== undefined && Date.parse(values.since) >= Date.parse(values.until)) {
    throw new UsageError('--since must be before --until');
  }
  const fromKafka = values['from-kafka'] ?? false;
  if (fromKafka && positionals.length > 0) throw new UsageError('--from-kafka reads the events topic: give no input files with it');
  if (fromKafka && values.since === undefined) throw new UsageError('--from-kafka needs --since (where in the topic to start)');
  if (!help && !fromKafka && positionals.length === 0) throw new UsageError('no input files');
  if (values.cluster?.trim() === '') throw new UsageError('--cluster must not be empty');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('- (stdin) may be given once');
  return {
    inputs: positionals,
    db: values.db ?? defaultDb,
    cluster: values.cluster ?? defaultCluster,
    clusterGiven: values.cluster !== undefined,
    since: values.since,
    until: values.until,
    rules: values.rules,
    rbacSnapshot: values['rbac-snapshot'],
    format: format as InputFormat,
    raw,
    fromKafka,
    json: values.json ?? false,
    help,
  };
}

const rate = (events: number, ms: number) => Math.round(events / Math.max(ms / 1000, 0.001));

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A progress bar on stderr (TTY only): bytes read against the inputs' size, events, events/s, ETA. */
function progressBar(): { update: (p: ReplayProgress) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(p) {
      const payload = { events: p.events, rate: rate(p.events, p.elapsedMs), read: formatBytes(p.bytes), size: p.totalBytes === undefined ? '?' : formatBytes(p.totalBytes) };
      if (!bar) {
        const format =
          p.totalBytes === undefined
            ? 'replay {events} events | {rate} events/s | {read}'
            : 'replay [{bar}] {percentage}% | {events} events | {rate} events/s | {read}/{size} | ETA {eta_formatted}';
        bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
        bar.start(p.totalBytes ?? 0, p.bytes, payload);
      }
      bar.update(p.bytes, payload);
    },
    stop() {
      bar?.stop();
    },
  };
}

function formatSummary(s: ReplaySummary, db: string): string {
  const lines: string[] = [];
  const row = (k: string, v: string | number) => lines.push(`${k.padEnd(22)}${String(v)}`);
  row('files', s.files);
  row('events', s.events);
  if (s.skippedByTime > 0) row('outside since/until', s.skippedByTime);
  if (s.untimed > 0) row('without timestamp', s.untimed);
  row('malformed', s.malformed.count);
  row('time range', s.timeRange ? `${s.timeRange.from} .. ${s.timeRange.to}` : '-');
  row('written records', s.written.records);
  row('written findings', s.written.findings);
  row('database', db);
  row('elapsed', `${String(s.elapsedMs)} ms (${String(rate(s.events, s.elapsedMs))} events/s)`);
  if (s.outOfOrder > 0) row('out of order', `${String(s.outOfOrder)} (further apart than the reorder window)`);
  const bySeverity = severities.filter((sev) => s.findingsBySeverity[sev] !== undefined).reverse();
  lines.push('', 'findings by severity');
  if (bySeverity.length === 0) lines.push('  (none)');
  for (const sev of bySeverity) lines.push(`  ${sev.padEnd(30)}${String(s.findingsBySeverity[sev] ?? 0).padStart(8)}`);
  const byRule = Object.entries(s.findingsByRule).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  lines.push('', 'findings by rule');
  if (byRule.length === 0) lines.push('  (none)');
  for (const [rule, n] of byRule) lines.push(`  ${rule.padEnd(30)}${String(n).padStart(8)}`);
  if (s.malformed.count > 0) {
    lines.push('', `malformed lines (${String(s.malformed.count)}${s.malformed.count > s.malformed.first.length ? `, first ${String(s.malformed.first.length)}` : ''})`);
    for (const m of s.malformed.first) lines.push(`  ${m}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseReplayArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`kaudit-replay: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage);
    return 0;
  }
  // the rules file first: a bad one fails before any reading
  const tuning = args.rules === undefined ? undefined : tuningFromFile(args.rules);
  const bar = process.stderr.isTTY ? progressBar() : undefined;
  let bus: Bus | undefined;
  let range: TopicRange | undefined;
  let sources: ReplaySource[] = [];
  const config = loadReplayEnvConfig();
  if (args.fromKafka) {
    bus = createBus({ config: config.bus, clientId: 'kaudit-replay', logger: createLogger({ name: 'replay', level: 'warn', stderr: true }) });
    await bus.start();
    const topic = topicNames(config.bus.topicPrefix).events;
    range = await bus.readRange(topic, widen(args.since, args.until));
    sources = busSources(topic, range);
  }
  const db = await openDatabase(args.db, { memoryLimit: replayMemoryLimit });
  let summary: ReplaySummary;
  try {
    summary = await replay({
      inputs: args.inputs,
      sources,
      db,
      cluster: args.cluster,
      entryClusters: !args.clusterGiven,
      since: args.since,
      until: args.until,
      tuning,
      rulesFile: args.rules,
      rbacSnapshot: args.rbacSnapshot,
      format: args.format,
      raw: args.raw,
      redactionKey: config.redactionKey,
      limits: config.limits,
      ...(bar ? { onProgress: bar.update } : {}),
    });
  } finally {
    bar?.stop();
    await db.close();
    await range?.close();
    await bus?.close();
  }
  process.stdout.write(args.json ? `${JSON.stringify({ ...summary, db: args.db }, null, 2)}\n` : formatSummary(summary, args.db));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kaudit-replay: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
