import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import { notRfc3339, parseRfc3339 } from '#shared/contracts';
import { errorCodes, errorMessage, KauditError } from '#shared/errors';
import type { Database, Row } from './database.js';
import { sqlTimestamp } from './schema.js';

// `npm run export`: a time range of the store as Parquet, partitioned by day and cluster
// (`<out>/records/day=YYYY-MM-DD/cluster=NAME/*.parquet`, same for findings) — the way to outgrow one
// store: DuckDB, Spark or Trino read the tree as a Hive-partitioned table.

export interface ExportResult {
  records: number;
  findings: number;
  files: string[];
}

/** An RFC 3339 time as the UTC `YYYY-MM-DD HH:MM:SS.mmm` DuckDB compares TIMESTAMP columns with. */
export function exportTime(name: string, value: string): string {
  const t = parseRfc3339(value);
  if (!t) throw new KauditError(errorCodes.badRequest, notRfc3339(name, value));
  return sqlTimestamp(t);
}

/**
 * COPY's target cannot be a bound parameter, so the output directory is written into the statement.
 * It comes from the operator's command line, never from a remote user; still, it is made absolute,
 * anything that could end or bend the literal (quotes, newlines, control characters) is refused, and
 * the literal is quoted the SQL way (a single quote doubled) as a second line of defence.
 */
export function sqlDirectoryLiteral(dir: string): string {
  if (dir.trim() === '') throw new KauditError(errorCodes.badRequest, '--out must name a directory');
  // eslint-disable-next-line no-control-regex
  if (/['"`\u0000-\u001f\u007f]/.test(dir)) {
    throw new KauditError(errorCodes.badRequest, '--out must not contain quotes, newlines or control characters');
  }
  return `'${path.resolve(dir).replaceAll("'", "''")}'`;
}

function copySql(table: 'records' | 'findings', target: string): string {
  return (
    `COPY (SELECT *, strftime(event_time, '%Y-%m-%d') AS day FROM ${table} ` +
    `WHERE event_time >= CAST($1 AS TIMESTAMP) AND event_time < CAST($2 AS TIMESTAMP)) ` +
    `TO ${target} (FORMAT parquet, PARTITION_BY (day, cluster), OVERWRITE_OR_IGNORE, RETURN_FILES true)`
  );
}

function copied(rows: Row[]): { count: number; files: string[] } {
  const row = rows[0] ?? {};
  const files = Array.isArray(row.Files) ? row.Files.filter((f): f is string => typeof f === 'string') : [];
  return { count: Number(row.Count ?? 0), files };
}

/** Exports `[since, until)` of both tables; an empty range writes no files. */
export async function exportParquet({ db, since, until, out }: {
  db: Pick<Database, 'query'>;
  since: string;
  until: string;
  out: string;
}): Promise<ExportResult> {
  const from = exportTime('--since', since);
  const to = exportTime('--until', until);
  if (from >= to) throw new KauditError(errorCodes.badRequest, '--since must be before --until');
  sqlDirectoryLiteral(out); // refuse a bad directory before creating anything
  const dir = path.resolve(out);
  await mkdir(dir, { recursive: true });
  const params = [from, to];
  const types = [VARCHAR, VARCHAR];
  const records = copied(await db.query(copySql('records', sqlDirectoryLiteral(path.join(dir, 'records'))), params, types));
  const findings = copied(await db.query(copySql('findings', sqlDirectoryLiteral(path.join(dir, 'findings'))), params, types));
  return { records: records.count, findings: findings.count, files: [...records.files, ...findings.files].sort() };
}

/**
 * Opens a store file read-only, for export. DuckDB lets one process open a file read-write *or* many
 * read-only, so export runs against a stopped store, or a copy of its file.
 */
export async function openReadOnly(file: string): Promise<Pick<Database, 'query' | 'close'>> {
  if (!existsSync(file)) throw new KauditError(errorCodes.storage, `DuckDB file ${file} does not exist`);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  } catch (err) {
    throw new KauditError(errorCodes.storage, `cannot open DuckDB file ${file} read-only: ${errorMessage(err)}`, { cause: err });
  }
  const conn = await instance.connect();
  return {
    async query(sql, params = [], types) {
      const result = await conn.runAndReadAll(sql, params, types);
      return result.getRowObjectsJson();
    },
    close() {
      conn.closeSync();
      instance.closeSync();
      return Promise.resolve();
    },
  };
}
