import { VARCHAR } from '@duckdb/node-api';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { findingColumns, recordColumns, tableWithLakeOf, type Database } from '#shared/storage';
import { stageOrder } from './event-by-id.js';
import { parseJsonColumns, selectList } from './rows.js';
import { SqlBuilder } from './sql-builder.js';

const publicColumns = findingColumns.filter((c) => c.name !== 'severity_rank');

/**
 * One finding and the normalized record it was raised on: the record with the finding's cluster, auditId
 * and stage, else the latest stage stored for that auditId in that cluster, else null. Undefined when no such finding.
 */
export async function findingById(db: Database, id: string): Promise<{ finding: Finding; record: NormalizedRecord | null } | undefined> {
  let [row] = await db.query(`SELECT ${selectList(publicColumns)} FROM findings WHERE id = $1`, [id], [VARCHAR]);
  if (!row) {
    // not in the file: in the lake, if anywhere (every day of it is read for the id: an id says no time)
    const lake = new SqlBuilder();
    const at = lake.param(id, VARCHAR);
    const from = await tableWithLakeOf(db, 'findings', lake);
    if (from !== 'findings') [row] = await db.query(`SELECT ${selectList(publicColumns)} FROM ${from} AS findings WHERE id = ${at}`, lake.params, lake.types);
  }
  if (!row) return undefined;
  const finding = parseJsonColumns(row, publicColumns) as unknown as Finding;
  const q = new SqlBuilder();
  q.where('cluster = ?', [finding.cluster, VARCHAR]);
  q.where('audit_id = ?', [finding.auditId, VARCHAR]);
  // Sort key only: the finding's own stage first, then the other stages latest first.
  const stage = q.param(finding.stage, VARCHAR);
  // the record of the finding's day, wherever it is now
  const records = await tableWithLakeOf(db, 'records', q, { since: finding.eventTime, until: finding.eventTime });
  const [rec] = await db.query(
    `SELECT ${selectList(recordColumns)} FROM ${records} AS records ${q.whereClause()} ORDER BY (stage = ${stage}) DESC, ${stageOrder} DESC LIMIT 1`,
    q.params,
    q.types,
  );
  return { finding, record: rec ? (parseJsonColumns(rec, recordColumns) as unknown as NormalizedRecord) : null };
}
