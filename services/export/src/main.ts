// `npm run export -- --since <RFC3339> --until <RFC3339> --out <dir> [--db <file>]`: a time range of the
// store as Parquet under <dir>/records and <dir>/findings, partitioned by day and cluster
// (Hive layout: day=YYYY-MM-DD/cluster=NAME/*.parquet), for DuckDB, Spark or Trino.
// DuckDB lets one process open a file read-write, or many read-only: run this against a stopped store,
// or a copy of its file (`--db`). The database defaults to the store's KAUDIT_DB_FILE
// (KAUDIT_DATA_DIR/kaudit.duckdb); no API tokens are needed.
import { parseArgs } from 'node:util';
import { loadExportConfig } from '#shared/config';
import { KauditError, errorCodes, errorMessage } from '#shared/errors';
import { exportParquet, exportTime, openReadOnly, sqlDirectoryLiteral } from '#shared/storage';

const usage = `usage: npm run export -- --since <RFC3339> --until <RFC3339> --out <dir> [--db <file>]

  --since  first event time included, e.g. 2026-11-01T00:00:00Z
  --until  first event time excluded, e.g. 2026-11-08T00:00:00Z
  --out    output directory; <out>/records and <out>/findings receive
           day=YYYY-MM-DD/cluster=NAME/*.parquet (existing files of the same name are overwritten)
  --db     DuckDB file (default: KAUDIT_DB_FILE, else KAUDIT_DATA_DIR/kaudit.duckdb); the store must
           be stopped, or pass a copy of its file
`;

function badUsage(message: string): never {
  process.stderr.write(`kaudit-export: ${message}\n\n${usage}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { since?: string | undefined; until?: string | undefined; out?: string | undefined; db?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        out: { type: 'string' },
        db: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    badUsage(errorMessage(err));
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const { since, until, out } = values;
  if (since === undefined || until === undefined || out === undefined) badUsage('--since, --until and --out are required');
  try {
    if (exportTime('--since', since) >= exportTime('--until', until)) badUsage('--since must be before --until');
    sqlDirectoryLiteral(out);
  } catch (err) {
    badUsage(errorMessage(err));
  }
  const config = loadExportConfig();
  const file = values.db ?? config.dbFile;
  const db = await openReadOnly(file);
  try {
    const started = Date.now();
    const result = await exportParquet({ db, since, until, out });
    process.stdout.write(
      `exported ${String(result.records)} records and ${String(result.findings)} findings from ${file} ` +
        `in ${String(Date.now() - started)} ms: ${String(result.files.length)} files under ${out}\n`,
    );
    for (const f of result.files) process.stdout.write(`${f}\n`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof KauditError && err.code === errorCodes.badRequest) badUsage(err.message);
  process.stderr.write(`kaudit-export: ${errorMessage(err)}\n`);
  process.exit(1);
});
