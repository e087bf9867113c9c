// `npm run replay -- <files or directories…> [options]`: analyses audit logs from files into a DuckDB
// file with the store's schema (SPEC §7). Settings come from the command line only.
import { parseArgs } from 'node:util';
import { severities } from '#shared/contracts';
import { errorMessage } from '#shared/errors';
import { builtinRules, loadTuning, type Tuning } from '#shared/engine';
import { openDatabase } from '#shared/storage';
import { defaultCluster, replay, type ReplayProgress, type ReplaySummary } from './replay.js';
import { inputFormats, type InputFormat } from './sources/read-files.js';

const defaultDb = './data/replay.duckdb';
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;

const usage = `usage: npm run replay -- <files or directories…> [options]

  <files or directories>  audit logs: JSON lines, EventList or single-Event documents, Azure
                          {"records":[…]} batches, .gz; a directory means its files; - reads stdin
                          (JSON lines). Events are analysed in event-time order across all files.
  --db <file>             DuckDB file to write (default ${defaultDb}); same schema as the store's
  --cluster <name>        cluster name for the records and findings (default ${defaultCluster})
  --since <RFC3339>       first event time included, e.g. 2026-11-01T00:00:00Z
  --until <RFC3339>       first event time excluded
  --rules <file>          tuning file (as KAUDIT_RULES_FILE)
  --rbac-snapshot <file>  RBAC snapshot (as KAUDIT_RBAC_SNAPSHOT)
  --format <f>            auto (default), jsonl or eventlist
  --json                  print the summary as JSON
  -h, --help              this text
`;

class UsageError extends Error {}

interface Args {
  inputs: string[];
  db: string;
  cluster: string;
  since: string | undefined;
  until: string | undefined;
  rules: string | undefined;
  rbacSnapshot: string | undefined;
  format: InputFormat;
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
  for (const name of ['since', 'until'] as const) {
    const v = values[name];
    if (v !== undefined && (!rfc3339.test(v) || Number.isNaN(Date.parse(v)))) {
      throw new UsageError(`--${name} must be an RFC 3339 time (e.g. 2026-11-01T00:00:00Z), got ${JSON.stringify(v)}`);
    }
  }
  if (values.since !== undefined && values.until !== undefined && Date.parse(values.since) >= Date.parse(values.until)) {
    throw new UsageError('--since must be before --until');
  }
  if (!help && positionals.length === 0) throw new UsageError('no input files');
  if (values.cluster?.trim() === '') throw new UsageError('--cluster must not be empty');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('- (stdin) may be given once');
  return {
    inputs: positionals,
    db: values.db ?? defaultDb,
    cluster: values.cluster ?? defaultCluster,
    since: values.since,
    until: values.until,
    rules: values.rules,
    rbacSnapshot: values['rbac-snapshot'],
    format: format as InputFormat,
    json: values.json ?? false,
    help,
  };
}

const rate = (events: number, ms: number) => Math.round(events / Math.max(ms / 1000, 0.001));

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function progressLine(p: ReplayProgress): string {
  const r = rate(p.events, p.elapsedMs);
  if (p.phase === 'read') return `reading: ${String(p.events)} events, ${formatBytes(p.bytes)}, ${String(r)} events/s`;
  const total = p.total ?? p.events;
  const pct = total === 0 ? 100 : Math.floor((p.events / total) * 100);
  return `analysing: ${String(p.events)}/${String(total)} events (${String(pct)}%), ${String(r)} events/s`;
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
  let tuning: Tuning | undefined;
  if (args.rules !== undefined) {
    try {
      tuning = loadTuning(builtinRules, args.rules);
    } catch (err) {
      throw new Error(`cannot load rules file ${args.rules}: ${errorMessage(err)}`, { cause: err });
    }
  }
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  const onProgress = tty
    ? (p: ReplayProgress) => {
        const now = Date.now();
        if (now - lastDraw < 200) return;
        lastDraw = now;
        process.stderr.write(`\r\x1b[2K${progressLine(p)}`);
      }
    : undefined;
  const db = await openDatabase(args.db);
  let summary: ReplaySummary;
  try {
    summary = await replay({
      inputs: args.inputs,
      db,
      cluster: args.cluster,
      since: args.since,
      until: args.until,
      tuning,
      rbacSnapshot: args.rbacSnapshot,
      format: args.format,
      ...(onProgress ? { onProgress } : {}),
    });
  } finally {
    if (tty) process.stderr.write('\r\x1b[2K');
    await db.close();
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
