import { VARCHAR } from '@duckdb/node-api';
import { auditStages, type NormalizedRecord } from '#shared/contracts';
import { recordColumns, type Database } from '#shared/storage';
import { parseJsonColumns, selectList } from './rows.js';
import { SqlBuilder } from './sql-builder.js';

/** Constant SQL: a stage's position in the request lifecycle (RequestReceived < … < Panic), unknown stages last. */
export const stageOrder = `CASE stage ${auditStages.map((s, i) => `WHEN '${s}' THEN ${String(i)}`).join(' ')} ELSE ${String(auditStages.length)} END`;

export interface RecordWithRaw {
  record: NormalizedRecord;
  raw: Record<string, unknown> | null;
}

/** Every stored stage of one audit id (optionally in one cluster), in lifecycle order, raw events included. */
export async function eventStages(db: Database, auditId: string, cluster?: string): Promise<RecordWithRaw[]> {
  const q = new SqlBuilder();
  q.where('audit_id = ?', [auditId, VARCHAR]);
  if (cluster !== undefined) q.where('cluster = ?', [cluster, VARCHAR]);
  const rows = await db.query(
    `SELECT ${selectList(recordColumns)}, CAST(raw AS VARCHAR) AS "_raw" FROM records ${q.whereClause()} ORDER BY ${stageOrder}, cluster`,
    q.params,
    q.types,
  );
  return rows.map((r) => {
    const raw = typeof r._raw === 'string' ? (JSON.parse(r._raw) as Record<string, unknown> | null) : null;
    delete r._raw;
    return { record: parseJsonColumns(r, recordColumns) as unknown as NormalizedRecord, raw };
  });
}
