import { INTEGER, VARCHAR } from '@duckdb/node-api';
import type { NormalizedRecord } from '#shared/contracts';
import { recordColumns, tableWithLakeOf, type Database } from '#shared/storage';
import { decodeCursor, encodeCursor } from './cursor.js';
import { BadParameter } from './findings.js';
import { parseJsonColumns, selectList } from './rows.js';
import { SqlBuilder, sqlTimestamp } from './sql-builder.js';

export interface EventFilter {
  since?: string | undefined;
  until?: string | undefined;
  cluster?: string | undefined;
  user?: string | undefined;
  verb?: string | undefined;
  resource?: string | undefined;
  namespace?: string | undefined;
  decision?: string | undefined;
  responseCode?: number | undefined;
  clientIp?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

// A unique, sortable tiebreaker for records: their identity (cluster, auditID, stage, event digest).
const rowKey = `(cluster || '/' || audit_id || '/' || stage || '/' || event_digest)`;

export async function listEvents(db: Database, f: EventFilter): Promise<{ items: NormalizedRecord[]; nextCursor: string | null }> {
  const q = new SqlBuilder();
  if (f.since !== undefined) q.where('event_time >= CAST(? AS TIMESTAMP)', [sqlTimestamp(f.since), VARCHAR]);
  if (f.until !== undefined) q.where('event_time < CAST(? AS TIMESTAMP)', [sqlTimestamp(f.until), VARCHAR]);
  const equal: [keyof EventFilter, string][] = [
    ['cluster', 'cluster'],
    ['user', '"user"'],
    ['verb', 'verb'],
    ['resource', 'resource'],
    ['namespace', 'namespace'],
    ['decision', 'decision'],
    ['clientIp', 'client_ip'],
  ];
  for (const [param, column] of equal) {
    const v = f[param];
    if (typeof v === 'string') q.where(`${column} = ?`, [v, VARCHAR]);
  }
  if (f.responseCode !== undefined) q.where('response_code = ?', [f.responseCode, INTEGER]);
  if (f.cursor !== undefined) {
    const c = decodeCursor(f.cursor);
    if (!c) throw new BadParameter('cursor', 'cursor is not one this API returned');
    const t = sqlTimestamp(c.time);
    q.where(`(event_time < CAST(? AS TIMESTAMP) OR (event_time = CAST(? AS TIMESTAMP) AND ${rowKey} < ?))`, [t, VARCHAR], [t, VARCHAR], [c.key, VARCHAR]);
  }
  const from = await tableWithLakeOf(db, 'records', q, f);
  const limit = q.param(f.limit + 1, INTEGER);
  const rows = await db.query(
    `SELECT ${selectList(recordColumns)}, ${rowKey} AS "_key" FROM ${from} AS records ${q.whereClause()} ` +
      `ORDER BY event_time DESC, ${rowKey} DESC LIMIT ${limit}`,
    q.params,
    q.types,
  );
  const page = rows.slice(0, f.limit);
  const lastKey = page.at(-1)?._key;
  const items = page.map((r) => {
    delete r._key;
    return parseJsonColumns(r, recordColumns) as unknown as NormalizedRecord;
  });
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > f.limit && last && typeof lastKey === 'string' ? encodeCursor({ time: last.eventTime, key: lastKey }) : null,
  };
}
