import { BIGINT, INTEGER, VARCHAR } from '@duckdb/node-api';
import { lakeFiles, tableWithLake, tableWithLakeOf, type Database } from '#shared/storage';
import { decodeCursor, encodeCursor } from './cursor.js';
import { BadParameter, findingConditions, listFindings, type FindingFilter } from './findings.js';
import { SqlBuilder, isoTime, sqlTimestamp } from './sql-builder.js';

// Incidents: the findings of one rule for one identity (cluster and user) that follow each other within
// the window (default 10 minutes between one and the next) are one incident, with its count, first and last
// times and the findings behind it. Grouped at query time over the findings the filter selects (DuckDB's
// window functions), so the window is the caller's and nothing is stored twice. An incident's id is its
// first finding's id.

export interface Incident {
  id: string;
  ruleId: string;
  title: string;
  /** the highest severity among its findings */
  severity: string;
  cluster: string;
  user: string;
  count: number;
  first: string;
  last: string;
  namespaces: string[];
  /** its first findings' ids, oldest first (at most 20) */
  findingIds: string[];
}

export const defaultWindowSeconds = 600;
const idsPerIncident = 20;

interface Row {
  id: string;
  rule_id: string;
  title: string;
  severity: string;
  cluster: string;
  user: string;
  count: number | bigint;
  first: string;
  last: string;
  namespaces: string[] | null;
  finding_ids: string[];
}

/**
 * The grouping over the findings `q` selects (its conditions already in `q`), as two CTEs: `g`, every selected
 * finding with its incident number `n` per rule and identity, and `i`, one row per incident with the scalars
 * that order and page it (its first finding's id, its last time). The lists an incident shows are built only
 * for the page (`detailsSql`): over a million findings, building them for every incident costs seconds.
 */
function groupingSql(q: SqlBuilder, windowSeconds: number, from: string): string {
  const gap = q.param(BigInt(windowSeconds) * 1000n, BIGINT);
  return `WITH f AS (
      SELECT id, rule_id, severity_rank, cluster, "user", event_time,
        CASE WHEN epoch_ms(event_time) - epoch_ms(lag(event_time) OVER w) <= ${gap} THEN 0 ELSE 1 END AS opens
      FROM ${from} AS findings ${q.whereClause()}
      WINDOW w AS (PARTITION BY rule_id, cluster, "user" ORDER BY event_time, id)
    ), g AS (
      SELECT *, sum(opens) OVER (PARTITION BY rule_id, cluster, "user" ORDER BY event_time, id ROWS UNBOUNDED PRECEDING) AS n FROM f
    ), i AS (
      SELECT min({'t': event_time, 'id': id}).id AS id, rule_id, cluster, "user", n, count(*) AS count,
        min(event_time) AS first_ts, max(event_time) AS last_ts
      FROM g GROUP BY rule_id, cluster, "user", n
    )`;
}

/** The page's incidents (`page`: a query over `i`) with their severity, title, namespaces and finding ids. */
function detailsSql(page: string, from: string): string {
  return `, p AS (${page})
    SELECT p.id, p.rule_id, any_value(x.title) AS title, arg_max(x.severity, x.severity_rank) AS severity, p.cluster, p."user", any_value(p.count) AS count,
      ${isoTime('any_value(p.first_ts)')} AS first, ${isoTime('any_value(p.last_ts)')} AS last, any_value(p.last_ts) AS last_ts,
      list(DISTINCT x.namespace) FILTER (WHERE x.namespace IS NOT NULL) AS namespaces,
      list(x.id ORDER BY x.event_time, x.id)[1:${String(idsPerIncident)}] AS finding_ids
    FROM p JOIN g USING (rule_id, cluster, "user", n) JOIN ${from} AS x ON x.id = g.id
    GROUP BY p.id, p.rule_id, p.cluster, p."user", p.n
    ORDER BY last_ts DESC, p.id DESC`;
}

const incidentOf = (r: Row): Incident => ({
  id: r.id,
  ruleId: r.rule_id,
  title: r.title,
  severity: r.severity,
  cluster: r.cluster,
  user: r.user,
  count: Number(r.count),
  first: r.first,
  last: r.last,
  namespaces: [...(r.namespaces ?? [])].sort(),
  findingIds: [...r.finding_ids],
});

/** Incidents, the latest (by last finding) first, keyset-paginated on (last, id). */
export async function listIncidents(db: Database, f: FindingFilter & { windowSeconds: number }): Promise<{ items: Incident[]; nextCursor: string | null }> {
  const q = findingConditions(new SqlBuilder(), f);
  const from = await tableWithLakeOf(db, 'findings', q, f);
  const grouping = groupingSql(q, f.windowSeconds, from);
  let after = '';
  if (f.cursor !== undefined) {
    const c = decodeCursor(f.cursor);
    if (!c) throw new BadParameter('cursor', 'cursor is not one this API returned');
    const t = q.param(sqlTimestamp(c.time), VARCHAR);
    after = `WHERE (last_ts < CAST(${t} AS TIMESTAMP) OR (last_ts = CAST(${t} AS TIMESTAMP) AND id < ${q.param(c.key, VARCHAR)}))`;
  }
  const limit = q.param(f.limit + 1, INTEGER);
  const page = `SELECT * FROM i ${after} ORDER BY last_ts DESC, id DESC LIMIT ${limit}`;
  const rows = (await db.query(`${grouping}${detailsSql(page, from)}`, q.params, q.types)) as unknown as Row[];
  const items = rows.slice(0, f.limit).map(incidentOf);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > f.limit && last ? encodeCursor({ time: last.last, key: last.id }) : null };
}

/** One incident by its id (its first finding's), with its latest findings, newest first (at most `limit`). */
export async function incidentById(db: Database, id: string, windowSeconds: number, limit: number): Promise<{ incident: Incident; findings: Awaited<ReturnType<typeof listFindings>>['items'] } | undefined> {
  // an incident's first finding may be in the lake: every day of it is read for the id (no time to narrow it)
  const lake = await lakeFiles(db, 'findings');
  const byId = new SqlBuilder();
  const idParam = byId.param(id, VARCHAR);
  const keyFrom = tableWithLake('findings', lake, (v, t) => byId.param(v, t));
  const key = (await db.query(`SELECT rule_id, cluster, "user" FROM ${keyFrom} AS findings WHERE id = ${idParam}`, byId.params, byId.types)) as unknown as { rule_id: string; cluster: string; user: string }[];
  const k = key[0];
  if (k === undefined) return undefined;
  const q = findingConditions(new SqlBuilder(), { ruleId: [k.rule_id], cluster: k.cluster, user: k.user });
  const from = tableWithLake('findings', lake, (v, t) => q.param(v, t));
  const grouping = groupingSql(q, windowSeconds, from);
  const rows = (await db.query(`${grouping}${detailsSql(`SELECT * FROM i WHERE id = ${q.param(id, VARCHAR)}`, from)}`, q.params, q.types)) as unknown as Row[];
  const row = rows[0];
  if (row === undefined) return undefined;
  const incident = incidentOf(row);
  // the incident's findings: its key's, from its first to its last time
  const page = await listFindings(db, { ruleId: [incident.ruleId], cluster: incident.cluster, user: incident.user, since: incident.first, until: new Date(Date.parse(incident.last) + 1).toISOString(), limit });
  return { incident, findings: page.items };
}
