import { INTEGER, VARCHAR } from '@duckdb/node-api';
import type { NormalizedRecord } from '#shared/contracts';
import { tableWithLakeOf, type Database } from '#shared/storage';
import { decodeCursor, encodeCursor } from './cursor.js';
import { BadParameter } from './findings.js';
import { SqlBuilder, isoTime } from './sql-builder.js';

export interface CredentialFilter {
  staleAfterDays: number;
  cluster?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface CredentialSummary {
  credentialId: string;
  credentialKind: NormalizedRecord['credentialKind'];
  user: string;
  cluster: string;
  firstSeen: string;
  lastSeen: string;
  ageDays: number;
  stale: boolean;
}

// The cursor keeps last_seen at full (microsecond) precision, so paging never skips a credential.
const cursorTime = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{6})Z$/;
const msPerDay = 86_400_000;

/**
 * Credentials seen in the records, the lake's too (non-null credential id), most recently used first, keyset-paginated on
 * (last seen, credential id). kind, user and cluster are those of the credential's latest record.
 * ageDays = whole days between first and last use; stale = ageDays > staleAfterDays.
 */
export async function listCredentials(db: Database, f: CredentialFilter): Promise<{ items: CredentialSummary[]; nextCursor: string | null }> {
  const inner = new SqlBuilder();
  inner.where('credential_id IS NOT NULL');
  if (f.cluster !== undefined) inner.where('cluster = ?', [f.cluster, VARCHAR]);
  const outer: string[] = [];
  if (f.cursor !== undefined) {
    const c = decodeCursor(f.cursor);
    const m = c === undefined ? null : cursorTime.exec(c.time);
    if (!c || !m) throw new BadParameter('cursor', 'cursor is not one this API returned');
    const t = `${m[1] ?? ''} ${m[2] ?? ''}`;
    outer.push(
      `(last_seen < CAST(${inner.param(t, VARCHAR)} AS TIMESTAMP) OR (last_seen = CAST(${inner.param(t, VARCHAR)} AS TIMESTAMP) AND credential_id < ${inner.param(c.key, VARCHAR)}))`,
    );
  }
  // a credential's first use may be in the lake: every day of it counts
  const from = await tableWithLakeOf(db, 'records', inner);
  const limit = inner.param(f.limit + 1, INTEGER);
  const rows = await db.query(
    `SELECT credential_id AS "credentialId", kind AS "credentialKind", "user", cluster, ${isoTime('first_seen')} AS "firstSeen", ` +
      `${isoTime('last_seen')} AS "lastSeen", strftime(last_seen, '%Y-%m-%dT%H:%M:%S.%fZ') AS "_cursorTime", ` +
      `CAST(floor((epoch_ms(last_seen) - epoch_ms(first_seen)) / ${String(msPerDay)}) AS INTEGER) AS "ageDays" FROM (` +
      `SELECT credential_id, arg_max(credential_kind, event_time) AS kind, arg_max("user", event_time) AS "user", ` +
      `arg_max(cluster, event_time) AS cluster, min(event_time) AS first_seen, max(event_time) AS last_seen ` +
      `FROM ${from} AS records ${inner.whereClause()} GROUP BY credential_id) ` +
      `${outer.length > 0 ? `WHERE ${outer.join(' AND ')}` : ''} ORDER BY last_seen DESC, credential_id DESC LIMIT ${limit}`,
    inner.params,
    inner.types,
  );
  const page = rows.slice(0, f.limit);
  const lastRow = page.at(-1);
  const items = page.map((r) => {
    const ageDays = Number(r.ageDays);
    return {
      credentialId: String(r.credentialId),
      credentialKind: (typeof r.credentialKind === 'string' ? r.credentialKind : 'unknown') as NormalizedRecord['credentialKind'],
      user: typeof r.user === 'string' ? r.user : '',
      cluster: String(r.cluster),
      firstSeen: String(r.firstSeen),
      lastSeen: String(r.lastSeen),
      ageDays,
      stale: ageDays > f.staleAfterDays,
    };
  });
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > f.limit && last && typeof lastRow?._cursorTime === 'string'
        ? encodeCursor({ time: lastRow._cursorTime, key: last.credentialId })
        : null,
  };
}
