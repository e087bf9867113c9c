import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { errorCodes, KauditError } from '#shared/errors';
import type { Database } from './database.js';
import { sqlTimestamp } from './schema.js';

// The lake (KAUDIT_LAKE_DIR): where the store's retention hands the days it no longer keeps in its file,
// as Parquet in the export's layout (`<lake>/{records,findings}/day=YYYY-MM-DD/cluster=NAME/h_<uuid>.parquet`,
// the partition columns written into the files too), so DuckDB, Spark or Trino read it as a Hive-partitioned
// table, and the query API reads it beside the live file for a time range that reaches back there.
//
// A day is handed over in one transaction on the store's write connection (a large day in several, of whole
// hours, up to `lakeChunkRows` rows each): COPY its rows of both tables to new files, list the files in
// `lake_files`, delete the rows. The sink's batches wait behind it, so no row of the span arrives in between; a pass that fails leaves files nobody lists, which are never read, and the
// next pass writes the day again. A row of a day already handed over that arrives later stays in the file
// until the next pass hands it over too.

export type LakeTable = 'records' | 'findings';
const lakeTables: readonly LakeTable[] = ['records', 'findings'];

/**
 * The lake's location as the SQL literal COPY writes to (a target cannot be a bound parameter): a local
 * directory (made absolute) or an object store URL (`s3://bucket/prefix`, through DuckDB's httpfs extension).
 * It comes from the operator's configuration, never from a caller; anything that could end or bend the
 * literal is refused, and quotes are doubled all the same.
 */
export function lakeLiteral(location: string, table: LakeTable): string {
  if (location.trim() === '') throw new KauditError(errorCodes.config, 'the lake location is empty');
  // eslint-disable-next-line no-control-regex
  if (/['"`\u0000-\u001f\u007f]/.test(location)) throw new KauditError(errorCodes.config, 'the lake location must not contain quotes, newlines or control characters');
  const base = isUrl(location) ? location.replace(/\/+$/, '') : path.resolve(location);
  return `'${`${base}/${table}`.replaceAll("'", "''")}'`;
}
const isUrl = (location: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(location);

const copySql = (table: LakeTable, target: string) =>
  `COPY (SELECT *, strftime(event_time, '%Y-%m-%d') AS day FROM ${table} WHERE event_time >= CAST($1 AS TIMESTAMP) AND event_time < CAST($2 AS TIMESTAMP)) ` +
  `TO ${target} (FORMAT parquet, PARTITION_BY (day, cluster), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'h_{uuid}', APPEND, RETURN_FILES true)`;
const deleteSql = (table: LakeTable) => `DELETE FROM ${table} WHERE event_time >= CAST($1 AS TIMESTAMP) AND event_time < CAST($2 AS TIMESTAMP)`;
const listSql = 'INSERT INTO lake_files SELECT unnest($1), $2, CAST($3 AS DATE), CAST($4 AS TIMESTAMP)';

export interface HandOff {
  /** the days handed over, oldest first */
  days: string[];
  records: number;
  findings: number;
  files: number;
}

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** rows a hand-over moves in one transaction at most (a part of a day, by whole hours): the sink waits that long */
export const lakeChunkRows = 500_000;

/** The spans handed over in one transaction each: whole hours of one day, up to `maxRows` rows (one hour may hold more). */
function chunksOf(hours: readonly { hour: number; rows: number }[], maxRows: number): { day: string; from: number; to: number }[] {
  const chunks: { day: string; from: number; to: number; rows: number }[] = [];
  for (const { hour, rows } of hours) {
    const day = new Date(hour).toISOString().slice(0, 10);
    const last = chunks.at(-1);
    if (last !== undefined && last.day === day && last.rows + rows <= maxRows) {
      last.to = hour + hourMs;
      last.rows += rows;
    } else chunks.push({ day, from: hour, to: hour + hourMs, rows });
  }
  return chunks;
}

/**
 * Hands every whole day before `cutoff` (UTC days) to the lake, oldest first: a day in one transaction, or in
 * several of whole hours when it holds more than `maxRows` rows (above). `now` stamps the files' listing.
 */
export async function handOffToLake(db: Pick<Database, 'query' | 'transaction'>, lake: string, cutoff: Date, { now = () => new Date(), maxRows = lakeChunkRows }: { now?: () => Date; maxRows?: number } = {}): Promise<HandOff> {
  if (Number.isNaN(cutoff.getTime())) throw new RangeError('lake cut-off is not a valid time');
  const targets = { records: lakeLiteral(lake, 'records'), findings: lakeLiteral(lake, 'findings') };
  // DuckDB makes the partition folders, not the lake's own
  if (!isUrl(lake)) await mkdir(path.resolve(lake), { recursive: true });
  const before = sqlTimestamp(new Date(Math.floor(cutoff.getTime() / dayMs) * dayMs));
  const hours = (
    await db.query(
      'SELECT epoch_ms(h) AS h, sum(n)::BIGINT AS n FROM (' +
        "SELECT date_trunc('hour', event_time) AS h, count(*) AS n FROM records WHERE event_time < CAST($1 AS TIMESTAMP) GROUP BY h " +
        "UNION ALL SELECT date_trunc('hour', event_time) AS h, count(*) AS n FROM findings WHERE event_time < CAST($1 AS TIMESTAMP) GROUP BY h" +
        ') GROUP BY h ORDER BY h',
      [before],
      [VARCHAR],
    )
  ).map((r) => ({ hour: Number(r.h), rows: Number(r.n) }));
  const result: HandOff = { days: [], records: 0, findings: 0, files: 0 };
  for (const chunk of chunksOf(hours, maxRows)) {
    const span = [sqlTimestamp(new Date(chunk.from)), sqlTimestamp(new Date(chunk.to))];
    const moved = await db.transaction(async (run) => {
      const counts = { records: 0, findings: 0, files: 0 };
      for (const table of lakeTables) {
        const [copied] = await run(copySql(table, targets[table]), span, [VARCHAR, VARCHAR]);
        const files = Array.isArray(copied?.Files) ? copied.Files.filter((f): f is string => typeof f === 'string') : [];
        if (files.length > 0) await run(listSql, [listValue(files), table, chunk.day, sqlTimestamp(now())], [LIST(VARCHAR), VARCHAR, VARCHAR, VARCHAR]);
        await run(deleteSql(table), span, [VARCHAR, VARCHAR]);
        counts[table] = Number(copied?.Count ?? 0);
        counts.files += files.length;
      }
      return counts;
    });
    if (result.days.at(-1) !== chunk.day) result.days.push(chunk.day);
    result.records += moved.records;
    result.findings += moved.findings;
    result.files += moved.files;
  }
  return result;
}

/** The files the lake holds for a table's days within `[since, until)` (either end open). */
export async function lakeFiles(db: Pick<Database, 'query'>, table: LakeTable, range: { since?: string | undefined; until?: string | undefined } = {}): Promise<string[]> {
  const params: DuckDBValue[] = [table];
  const types: DuckDBType[] = [VARCHAR];
  let sql = 'SELECT path FROM lake_files WHERE tbl = $1';
  if (range.since !== undefined) {
    params.push(sqlTimestamp(range.since));
    types.push(VARCHAR);
    sql += ` AND day >= CAST(CAST($${String(params.length)} AS TIMESTAMP) AS DATE)`;
  }
  if (range.until !== undefined) {
    params.push(sqlTimestamp(range.until));
    types.push(VARCHAR);
    sql += ` AND day <= CAST(CAST($${String(params.length)} AS TIMESTAMP) AS DATE)`;
  }
  return (await db.query(`${sql} ORDER BY path`, params, types)).map((r) => String(r.path));
}

/**
 * What a query reads a table from: the table itself, or, when the lake holds files of the range, the table
 * and those files as one relation (give it the table's name, `… AS findings`, so conditions that name the
 * table still apply). `param` binds the file list (the query's own parameter numbering).
 */
export function tableWithLake(table: LakeTable, files: readonly string[], param: (value: DuckDBValue, type: DuckDBType) => string): string {
  if (files.length === 0) return table;
  const list = param(listValue([...files]), LIST(VARCHAR));
  return `(SELECT * FROM ${table} UNION ALL BY NAME SELECT * EXCLUDE (day) FROM read_parquet(${list}, hive_partitioning = false))`;
}

/** Binds a parameter and answers its placeholder (a query builder's `param`). */
export interface ParamBinder {
  param(value: DuckDBValue, type: DuckDBType): string;
}

/** `tableWithLake` over the lake's files of the range, bound through `q`: what a time-ranged query reads a table from. */
export async function tableWithLakeOf(db: Pick<Database, 'query'>, table: LakeTable, q: ParamBinder, range: { since?: string | undefined; until?: string | undefined } = {}): Promise<string> {
  return tableWithLake(table, await lakeFiles(db, table, range), (v, t) => q.param(v, t));
}
