import { INTEGER, TINYINT, VARCHAR, LIST, listValue } from '@duckdb/node-api';
import { severityRank, type Finding, type Severity, type TriageState } from '#shared/contracts';
import { findingColumns, tableWithLakeOf, type Database } from '#shared/storage';
import { decodeCursor, encodeCursor } from './cursor.js';
import { parseJsonColumns, selectList } from './rows.js';
import { SqlBuilder, sqlTimestamp } from './sql-builder.js';

export interface FindingFilter {
  since?: string | undefined;
  until?: string | undefined;
  severity?: Severity | undefined;
  severityIs?: Severity | undefined;
  ruleId?: string[] | undefined;
  cluster?: string | undefined;
  user?: string | undefined;
  namespace?: string | undefined;
  /** the latest triage state (new: none set, or set back to new) */
  triage?: TriageState | undefined;
  limit: number;
  cursor?: string | undefined;
}

export class BadParameter extends Error {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(message);
    this.parameter = parameter;
  }
}

const publicColumns = findingColumns.filter((c) => c.name !== 'severity_rank');

/** The conditions of a findings filter (all but the cursor and the limit), on the findings table's columns. */
export function findingConditions(q: SqlBuilder, f: Omit<FindingFilter, 'limit' | 'cursor'>): SqlBuilder {
  if (f.since !== undefined) q.where('event_time >= CAST(? AS TIMESTAMP)', [sqlTimestamp(f.since), VARCHAR]);
  if (f.until !== undefined) q.where('event_time < CAST(? AS TIMESTAMP)', [sqlTimestamp(f.until), VARCHAR]);
  if (f.severity !== undefined) q.where('severity_rank >= ?', [severityRank(f.severity), TINYINT]);
  if (f.severityIs !== undefined) q.where('severity = ?', [f.severityIs, VARCHAR]);
  if (f.ruleId !== undefined && f.ruleId.length > 0) q.where('list_contains(?, rule_id)', [listValue(f.ruleId), LIST(VARCHAR)]);
  if (f.cluster !== undefined) q.where('cluster = ?', [f.cluster, VARCHAR]);
  if (f.user !== undefined) q.where('"user" = ?', [f.user, VARCHAR]);
  if (f.namespace !== undefined) q.where('namespace = ?', [f.namespace, VARCHAR]);
  if (f.triage === 'new') q.where("NOT EXISTS (SELECT 1 FROM triage_current t WHERE t.finding_id = findings.id AND t.state <> 'new')");
  else if (f.triage !== undefined) q.where('EXISTS (SELECT 1 FROM triage_current t WHERE t.finding_id = findings.id AND t.state = ?)', [f.triage, VARCHAR]);
  return q;
}

/** Newest first, keyset-paginated on (event_time, id). */
export async function listFindings(db: Database, f: FindingFilter): Promise<{ items: Finding[]; nextCursor: string | null }> {
  const q = findingConditions(new SqlBuilder(), f);
  if (f.cursor !== undefined) {
    const c = decodeCursor(f.cursor);
    if (!c) throw new BadParameter('cursor', 'cursor is not one this API returned');
    const t = sqlTimestamp(c.time);
    q.where('(event_time < CAST(? AS TIMESTAMP) OR (event_time = CAST(? AS TIMESTAMP) AND id < ?))', [t, VARCHAR], [t, VARCHAR], [c.key, VARCHAR]);
  }
  const from = await tableWithLakeOf(db, 'findings', q, f);
  const limit = q.param(f.limit + 1, INTEGER);
  const rows = await db.query(
    `SELECT ${selectList(publicColumns)} FROM ${from} AS findings ${q.whereClause()} ORDER BY event_time DESC, id DESC LIMIT ${limit}`,
    q.params,
    q.types,
  );
  const items = rows.slice(0, f.limit).map((r) => parseJsonColumns(r, publicColumns) as unknown as Finding);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > f.limit && last ? encodeCursor({ time: last.eventTime, key: last.id }) : null,
  };
}
