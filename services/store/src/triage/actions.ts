import { LIST, VARCHAR, INTEGER, listValue, type DuckDBValue } from '@duckdb/node-api';
import type { TriageAction, TriageState } from '#shared/contracts';
import type { Database } from '#shared/storage';
import { decodeCursor, encodeCursor } from '../queries/cursor.js';
import { BadParameter } from '../queries/findings.js';
import { SqlBuilder, isoTime, sqlTimestamp } from '../queries/sql-builder.js';

// Triage in the store's DuckDB file: every action in triage_actions (the action log), each finding's latest
// state in triage_current. Applying an action twice changes nothing, and the latest state is the one of
// the latest action by (time, id) whatever order actions are applied in, so the store can apply an
// action when its API makes it and again when it restores the triage topic at start.

const insertAction =
  'INSERT OR IGNORE INTO triage_actions VALUES ($1, CAST($2 AS TIMESTAMP), $3, $4, $5, $6, $7, $8, $9)';
const upsertCurrent =
  'INSERT INTO triage_current SELECT unnest($1), $2, CAST($3 AS TIMESTAMP), $4, $5 ' +
  'ON CONFLICT (finding_id) DO UPDATE SET state = excluded.state, "at" = excluded."at", actor = excluded.actor, action_id = excluded.action_id ' +
  'WHERE excluded."at" > triage_current."at" OR (excluded."at" = triage_current."at" AND excluded.action_id > triage_current.action_id)';

export async function applyTriage(db: Database, actions: readonly TriageAction[]): Promise<void> {
  for (const a of actions) {
    const ids = listValue(a.findingIds);
    await db.execute(
      insertAction,
      [a.id, sqlTimestamp(a.at), a.actor, a.kind, ids, a.incidentId, a.state, a.comment, a.draft] as DuckDBValue[],
      [VARCHAR, VARCHAR, VARCHAR, VARCHAR, LIST(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR],
    );
    if (a.kind === 'state' && a.state !== null) {
      await db.execute(upsertCurrent, [ids, a.state, sqlTimestamp(a.at), a.actor, a.id], [LIST(VARCHAR), VARCHAR, VARCHAR, VARCHAR, VARCHAR]);
    }
  }
}

export interface TriageOfFinding {
  state: TriageState;
  at: string;
  actor: string;
}

/** The latest triage state of each of these findings that has one (the rest are new). */
export async function triageOf(db: Database, findingIds: readonly string[]): Promise<Record<string, TriageOfFinding>> {
  if (findingIds.length === 0) return {};
  const rows = await db.query(
    `SELECT finding_id, state, ${isoTime('"at"')} AS "at", actor FROM triage_current WHERE list_contains($1, finding_id)`,
    [listValue([...findingIds])],
    [LIST(VARCHAR)],
  );
  return Object.fromEntries(rows.map((r) => [String(r.finding_id), { state: r.state as TriageState, at: String(r.at), actor: String(r.actor) }]));
}

export interface ActionFilter {
  findingId?: string | undefined;
  actor?: string | undefined;
  kind?: TriageAction['kind'] | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The action log, newest first, keyset-paginated on (at, id). */
export async function listTriageActions(db: Database, f: ActionFilter): Promise<{ items: TriageAction[]; nextCursor: string | null }> {
  const q = new SqlBuilder();
  if (f.findingId !== undefined) q.where('list_contains(finding_ids, ?)', [f.findingId, VARCHAR]);
  if (f.actor !== undefined) q.where('actor = ?', [f.actor, VARCHAR]);
  if (f.kind !== undefined) q.where('kind = ?', [f.kind, VARCHAR]);
  if (f.cursor !== undefined) {
    const c = decodeCursor(f.cursor);
    if (!c) throw new BadParameter('cursor', 'cursor is not one this API returned');
    const t = sqlTimestamp(c.time);
    q.where('("at" < CAST(? AS TIMESTAMP) OR ("at" = CAST(? AS TIMESTAMP) AND id < ?))', [t, VARCHAR], [t, VARCHAR], [c.key, VARCHAR]);
  }
  const limit = q.param(f.limit + 1, INTEGER);
  const rows = await db.query(
    `SELECT id, ${isoTime('"at"')} AS "at", actor, kind, finding_ids, incident_id, state, comment, draft FROM triage_actions ${q.whereClause()} ORDER BY "at" DESC, id DESC LIMIT ${limit}`,
    q.params,
    q.types,
  );
  const items = rows.slice(0, f.limit).map(
    (r): TriageAction => ({
      id: String(r.id),
      at: String(r.at),
      actor: String(r.actor),
      kind: r.kind as TriageAction['kind'],
      findingIds: (r.finding_ids as string[] | null) ?? [],
      incidentId: (r.incident_id as string | null) ?? null,
      state: (r.state as TriageState | null) ?? null,
      comment: String(r.comment),
      draft: (r.draft as string | null) ?? null,
    }),
  );
  const last = items.at(-1);
  return { items, nextCursor: rows.length > f.limit && last ? encodeCursor({ time: last.at, key: last.id }) : null };
}
