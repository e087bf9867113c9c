import { VARCHAR } from '@duckdb/node-api';
import type { NormalizedRecord } from '#shared/contracts';
import { tableWithLakeOf, type Database, type Row } from '#shared/storage';
import { SqlBuilder } from './sql-builder.js';
import { isoTime } from './sql-builder.js';

// A request is one (cluster, auditID): its stages are separate records, counted once here.
const request = `(cluster || '/' || audit_id)`;
const resourceOf = `CASE WHEN subresource IS NULL OR subresource = '' THEN resource ELSE resource || '/' || subresource END`;
const forbidden = `(response_code = 403 OR decision = 'forbid')`;

export interface IdentitySummary {
  user: string;
  firstSeen: string;
  lastSeen: string;
  events: number;
  identityKinds: NormalizedRecord['identityKind'][];
  credentials: { credentialId: string; credentialKind: NormalizedRecord['credentialKind']; firstSeen: string; lastSeen: string; events: number }[];
  verbs: { verb: string; count: number }[];
  resources: { resource: string; count: number }[];
  forbidden: number;
  findingsByRule: { ruleId: string; count: number }[];
  clusters: string[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => Number(v ?? 0);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * What one user did, over the records, the lake's too (requests, not stage records, are counted); undefined
 * when the user has no records.
 */
export async function identitySummary(db: Database, user: string): Promise<IdentitySummary | undefined> {
  // $1 the user, $2 (when the lake has files) the table's files
  const q = new SqlBuilder();
  q.param(user, VARCHAR);
  const records = `${await tableWithLakeOf(db, 'records', q)} AS records`;
  const qf = new SqlBuilder();
  qf.param(user, VARCHAR);
  const findingsFrom = `${await tableWithLakeOf(db, 'findings', qf)} AS findings`;
  const p = q.params;
  const t = q.types;
  const [summary] = await db.query(
    `SELECT ${isoTime('min(event_time)')} AS "firstSeen", ${isoTime('max(event_time)')} AS "lastSeen", ` +
      `CAST(count(DISTINCT ${request}) AS INTEGER) AS "events", ` +
      `list_sort(list(DISTINCT identity_kind)) AS "identityKinds", list_sort(list(DISTINCT cluster)) AS "clusters", ` +
      `CAST(count(DISTINCT ${request}) FILTER (WHERE ${forbidden}) AS INTEGER) AS "forbidden" ` +
      `FROM ${records} WHERE "user" = $1`,
    p,
    t,
  );
  if (!summary || num(summary.events) === 0) return undefined;
  // One reader connection: the queries run one after the other.
  const credentials = await db.query(
      `SELECT credential_id AS "credentialId", arg_max(credential_kind, event_time) AS "credentialKind", ` +
        `${isoTime('min(event_time)')} AS "firstSeen", ${isoTime('max(event_time)')} AS "lastSeen", CAST(count(DISTINCT ${request}) AS INTEGER) AS "events" ` +
        `FROM ${records} WHERE "user" = $1 AND credential_id IS NOT NULL GROUP BY credential_id ORDER BY max(event_time) DESC, credential_id`,
      p,
      t,
    );
  const verbs = await db.query(
      `SELECT verb, CAST(count(DISTINCT ${request}) AS INTEGER) AS "count" FROM ${records} WHERE "user" = $1 AND verb IS NOT NULL ` +
        `GROUP BY verb ORDER BY "count" DESC, verb`,
      p,
      t,
    );
  const resources = await db.query(
      `SELECT ${resourceOf} AS "resource", CAST(count(DISTINCT ${request}) AS INTEGER) AS "count" FROM ${records} ` +
        `WHERE "user" = $1 AND resource IS NOT NULL AND resource <> '' GROUP BY 1 ORDER BY "count" DESC, 1 LIMIT 50`,
      p,
      t,
    );
  const findings = await db.query(
      `SELECT rule_id AS "ruleId", CAST(count(*) AS INTEGER) AS "count" FROM ${findingsFrom} WHERE "user" = $1 GROUP BY rule_id ORDER BY "count" DESC, rule_id`,
      qf.params,
      qf.types,
    );
  return {
    user,
    firstSeen: str(summary.firstSeen),
    lastSeen: str(summary.lastSeen),
    events: num(summary.events),
    identityKinds: strings(summary.identityKinds) as NormalizedRecord['identityKind'][],
    credentials: credentials.map((r: Row) => ({
      credentialId: str(r.credentialId),
      credentialKind: (str(r.credentialKind) || 'unknown') as NormalizedRecord['credentialKind'],
      firstSeen: str(r.firstSeen),
      lastSeen: str(r.lastSeen),
      events: num(r.events),
    })),
    verbs: verbs.map((r) => ({ verb: str(r.verb), count: num(r.count) })),
    resources: resources.map((r) => ({ resource: str(r.resource), count: num(r.count) })),
    forbidden: num(summary.forbidden),
    findingsByRule: findings.map((r) => ({ ruleId: str(r.ruleId), count: num(r.count) })),
    clusters: strings(summary.clusters),
  };
}
