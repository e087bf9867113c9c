import { VARCHAR } from '@duckdb/node-api';
import { tableWithLakeOf, type Database } from '#shared/storage';
import { SqlBuilder, isoTime, sqlTimestamp } from './sql-builder.js';

/** groupBy values and the findings column each selects (constant SQL, never user input). */
export const statsGroupColumns = {
  ruleId: 'rule_id',
  severity: 'severity',
  user: '"user"',
  namespace: 'namespace',
  cluster: 'cluster',
} as const;
export type StatsGroupBy = keyof typeof statsGroupColumns;
export const statsGroupBys = Object.keys(statsGroupColumns) as [StatsGroupBy, ...StatsGroupBy[]];

/** interval values and the DuckDB interval each selects (constant SQL). */
export const statsIntervals = {
  '1h': "INTERVAL '1 hour'",
  '1d': "INTERVAL '1 day'",
} as const;
export type StatsInterval = keyof typeof statsIntervals;
export const statsIntervalNames = Object.keys(statsIntervals) as [StatsInterval, ...StatsInterval[]];

export interface StatsQuery {
  since?: string | undefined;
  until?: string | undefined;
  groupBy: StatsGroupBy;
  interval?: StatsInterval | undefined;
}

export interface StatsBucket {
  start: string | null;
  key: string | null;
  count: number;
}

/** Finding counts per key (and per time bucket when an interval is given): buckets ascending, then count descending, then key. */
export async function findingStats(db: Database, s: StatsQuery): Promise<{ groupBy: StatsGroupBy; interval: StatsInterval | null; buckets: StatsBucket[] }> {
  const q = new SqlBuilder();
  if (s.since !== undefined) q.where('event_time >= CAST(? AS TIMESTAMP)', [sqlTimestamp(s.since), VARCHAR]);
  if (s.until !== undefined) q.where('event_time < CAST(? AS TIMESTAMP)', [sqlTimestamp(s.until), VARCHAR]);
  const column = statsGroupColumns[s.groupBy];
  const bucket = s.interval === undefined ? 'CAST(NULL AS TIMESTAMP)' : `time_bucket(${statsIntervals[s.interval]}, event_time)`;
  const from = await tableWithLakeOf(db, 'findings', q, s);
  const rows = await db.query(
    `SELECT ${isoTime('b')} AS "start", k AS "key", n AS "count" FROM (` +
      `SELECT ${bucket} AS b, CAST(${column} AS VARCHAR) AS k, CAST(count(*) AS INTEGER) AS n FROM ${from} AS findings ${q.whereClause()} GROUP BY b, k` +
      `) ORDER BY b ASC NULLS FIRST, n DESC, k ASC NULLS LAST`,
    q.params,
    q.types,
  );
  return {
    groupBy: s.groupBy,
    interval: s.interval ?? null,
    buckets: rows.map((r) => ({
      start: typeof r.start === 'string' ? r.start : null,
      key: typeof r.key === 'string' ? r.key : null,
      count: Number(r.count),
    })),
  };
}
