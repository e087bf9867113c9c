// The DuckDB schema shared by the store and replay (so the query API can serve a replayed file).
// Columns are the contract's field names in snake_case. Column names and types are constants here,
// never user input.
import { severities, severityRank } from '#shared/contracts';

export interface Column {
  name: string;
  type: string;
  /** The value written for this column, from the message. */
  field: string;
}

const c = (name: string, type: string, field: string): Column => ({ name, type, field });

export const recordColumns: Column[] = [
  c('cluster', 'VARCHAR NOT NULL', 'cluster'),
  c('audit_id', 'VARCHAR NOT NULL', 'auditId'),
  c('stage', 'VARCHAR NOT NULL', 'stage'),
  c('event_digest', 'VARCHAR NOT NULL', 'eventDigest'),
  c('level', 'VARCHAR', 'level'),
  c('event_time', 'TIMESTAMP NOT NULL', 'eventTime'),
  c('event_time_inferred', 'BOOLEAN', 'eventTimeInferred'),
  c('claimed_event_time', 'TIMESTAMP', 'claimedEventTime'),
  c('invalid_timestamps', 'VARCHAR[]', 'invalidTimestamps'),
  c('received_at', 'TIMESTAMP NOT NULL', 'receivedAt'),
  c('verb', 'VARCHAR', 'verb'),
  c('request_uri', 'VARCHAR', 'requestUri'),
  c('derived_verb', 'VARCHAR', 'derivedVerb'),
  c('is_resource_request', 'BOOLEAN', 'isResourceRequest'),
  c('api_group', 'VARCHAR', 'apiGroup'),
  c('api_version', 'VARCHAR', 'apiVersion'),
  c('namespace', 'VARCHAR', 'namespace'),
  c('resource', 'VARCHAR', 'resource'),
  c('subresource', 'VARCHAR', 'subresource'),
  c('name', 'VARCHAR', 'name'),
  c('path', 'VARCHAR', 'path'),
  c('attribute_mismatches', 'VARCHAR[]', 'attributeMismatches'),
  c('user', 'VARCHAR', 'user'),
  c('user_uid', 'VARCHAR', 'userUid'),
  c('groups', 'VARCHAR[]', 'groups'),
  c('extra', 'JSON', 'extra'),
  c('identity_kind', 'VARCHAR', 'identityKind'),
  c('service_account', 'JSON', 'serviceAccount'),
  c('node_name', 'VARCHAR', 'nodeName'),
  c('pod', 'JSON', 'pod'),
  c('credential_kind', 'VARCHAR', 'credentialKind'),
  c('credential_id', 'VARCHAR', 'credentialId'),
  c('impersonated_user', 'VARCHAR', 'impersonatedUser'),
  c('impersonated_groups', 'VARCHAR[]', 'impersonatedGroups'),
  c('source_ips', 'VARCHAR[]', 'sourceIps'),
  c('client_ip', 'VARCHAR', 'clientIp'),
  c('user_agent', 'VARCHAR', 'userAgent'),
  c('user_agent_product', 'VARCHAR', 'userAgentProduct'),
  c('response_code', 'INTEGER', 'responseCode'),
  c('decision', 'VARCHAR', 'decision'),
  c('decision_reason', 'VARCHAR', 'decisionReason'),
  c('authorizer', 'VARCHAR', 'authorizer'),
  c('granting_binding', 'VARCHAR', 'grantingBinding'),
  c('granting_role', 'VARCHAR', 'grantingRole'),
  c('rbac_verdict', 'VARCHAR', 'rbacVerdict'),
  c('rbac_verdict_binding', 'VARCHAR', 'rbacVerdictBinding'),
  c('rbac_verdict_note', 'VARCHAR', 'rbacVerdictNote'),
  c('transport_tls', 'BOOLEAN', 'transportTls'),
  c('annotations', 'JSON', 'annotations'),
];
/**
 * An event's identity: cluster, auditID, stage and the event's digest, so that kube-apiserver's and an
 * aggregated API server's logs of one request are both kept while a retried batch adds nothing.
 */
export const recordKey = ['cluster', 'audit_id', 'stage', 'event_digest'];
/** The raw event, stored beside the record for analysts (after redaction). */
export const rawColumn = c('raw', 'JSON', 'raw');

export const findingColumns: Column[] = [
  c('id', 'VARCHAR NOT NULL', 'id'),
  c('rule_id', 'VARCHAR NOT NULL', 'ruleId'),
  c('title', 'VARCHAR', 'title'),
  c('severity', 'VARCHAR NOT NULL', 'severity'),
  c('severity_rank', 'TINYINT NOT NULL', 'severityRank'),
  c('category', 'VARCHAR', 'category'),
  c('mitre', 'VARCHAR[]', 'mitre'),
  c('cluster', 'VARCHAR NOT NULL', 'cluster'),
  c('audit_id', 'VARCHAR NOT NULL', 'auditId'),
  c('stage', 'VARCHAR', 'stage'),
  c('event_time', 'TIMESTAMP NOT NULL', 'eventTime'),
  c('user', 'VARCHAR', 'user'),
  c('groups', 'VARCHAR[]', 'groups'),
  c('source_ips', 'VARCHAR[]', 'sourceIps'),
  c('user_agent', 'VARCHAR', 'userAgent'),
  c('verb', 'VARCHAR', 'verb'),
  c('api_group', 'VARCHAR', 'apiGroup'),
  c('resource', 'VARCHAR', 'resource'),
  c('subresource', 'VARCHAR', 'subresource'),
  c('namespace', 'VARCHAR', 'namespace'),
  c('name', 'VARCHAR', 'name'),
  c('decision', 'VARCHAR', 'decision'),
  c('response_code', 'INTEGER', 'responseCode'),
  c('summary', 'VARCHAR', 'summary'),
  c('evidence', 'JSON', 'evidence'),
];
export const findingKey = ['id'];

const q = (ident: string) => `"${ident}"`;

/** Timestamps are stored as UTC TIMESTAMP; a time parameter is passed in the same form, as text. */
export function sqlTimestamp(iso: string | Date): string {
  return new Date(iso).toISOString().replace('T', ' ').replace('Z', '');
}

export function createTableSql(table: string, columns: Column[], key: string[]): string {
  const cols = columns.map((col) => `${q(col.name)} ${col.type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${q(table)} (${cols}, PRIMARY KEY (${key.map(q).join(', ')}))`;
}

/** `INSERT OR IGNORE … SELECT … FROM read_json($1)`: a redelivered row changes nothing. */
const spec = (columns: readonly Column[]) => columns.map((col) => `${q(col.field)}: '${col.type.replace(' NOT NULL', '')}'`).join(', ');
const structOf = (columns: readonly Column[]) => `STRUCT(${columns.map((col) => `${q(col.field)} ${col.type.replace(' NOT NULL', '')}`).join(', ')})`;

/**
 * Staged `records` lines are record messages as the analyzer writes them, `{"record": …, "event": …}`, so
 * the store can stage the bytes it received: DuckDB reads the record's fields out of its struct and keeps
 * the event as the raw column.
 */
export function insertRecordMessagesSql(): string {
  const select = [...recordColumns.map((col) => `"record".${q(col.field)}`), '"event"'].join(', ');
  return (
    `INSERT OR IGNORE INTO "records" (${[...recordColumns, rawColumn].map((col) => q(col.name)).join(', ')}) ` +
    `SELECT ${select} FROM read_json($1, format = 'newline_delimited', columns = {"record": '${structOf(recordColumns)}', "event": 'JSON'})`
  );
}

/** Staged `findings` lines are findings as the analyzer writes them; the severity's rank is DuckDB's to add. */
export function insertFindingMessagesSql(): string {
  const read = findingColumns.filter((col) => col.name !== 'severity_rank');
  const rank = `CASE ${q('severity')} ${severities.map((sev) => `WHEN '${sev}' THEN ${String(severityRank(sev))}`).join(' ')} END`;
  const select = findingColumns.map((col) => (col.name === 'severity_rank' ? rank : q(col.field))).join(', ');
  return (
    `INSERT OR IGNORE INTO "findings" (${findingColumns.map((col) => q(col.name)).join(', ')}) ` +
    `SELECT ${select} FROM read_json($1, format = 'newline_delimited', columns = {${spec(read)}})`
  );
}

/** Columns added by later versions are added to an existing file (nullable; old rows read as NULL). */
function addMissingColumns(table: string, columns: Column[]): string[] {
  return columns.map((col) => `ALTER TABLE ${q(table)} ADD COLUMN IF NOT EXISTS ${q(col.name)} ${col.type.replace(' NOT NULL', '')}`);
}

export const schemaStatements: string[] = [
  createTableSql('records', [...recordColumns, rawColumn], recordKey),
  createTableSql('findings', findingColumns, findingKey),
  // The store's consumer positions, written in the same transaction as the rows they cover.
  'CREATE TABLE IF NOT EXISTS "consumer_offsets" ("group_id" VARCHAR NOT NULL, "topic" VARCHAR NOT NULL, "partition" INTEGER NOT NULL, "next_offset" VARCHAR NOT NULL, PRIMARY KEY ("group_id", "topic", "partition"))',
  // The console's triage: every action (the action log), and each finding's latest state (see the store's
  // triage module); restored from the triage topic when the file is new.
  'CREATE TABLE IF NOT EXISTS "triage_actions" ("id" VARCHAR NOT NULL PRIMARY KEY, "at" TIMESTAMP NOT NULL, "actor" VARCHAR NOT NULL, "kind" VARCHAR NOT NULL, "finding_ids" VARCHAR[] NOT NULL, "incident_id" VARCHAR, "state" VARCHAR, "comment" VARCHAR NOT NULL, "draft" VARCHAR)',
  'CREATE TABLE IF NOT EXISTS "triage_current" ("finding_id" VARCHAR NOT NULL PRIMARY KEY, "state" VARCHAR NOT NULL, "at" TIMESTAMP NOT NULL, "actor" VARCHAR NOT NULL, "action_id" VARCHAR NOT NULL)',
  // The lake (lake.ts): every Parquet file the retention handed a day to, written in the transaction that
  // deleted the day's rows; files not listed (a pass that failed half-way) are never read.
  'CREATE TABLE IF NOT EXISTS "lake_files" ("path" VARCHAR NOT NULL PRIMARY KEY, "tbl" VARCHAR NOT NULL, "day" DATE NOT NULL, "handed_at" TIMESTAMP NOT NULL)',
  ...addMissingColumns('records', [...recordColumns, rawColumn]),
  ...addMissingColumns('findings', findingColumns),
];

/** The primary-key columns of a table, as DuckDB reports them (a constant query: no input in it). */
export const primaryKeySql = "SELECT constraint_column_names AS columns FROM duckdb_constraints() WHERE table_name = $1 AND constraint_type = 'PRIMARY KEY'";

/**
 * A `records` table of an earlier version is keyed by (cluster, audit_id, stage): DuckDB cannot change a
 * primary key in place, so the table is rebuilt under the current key in one transaction, its rows kept
 * (their event_digest empty: a redelivery of an event stored before the upgrade is stored once more).
 */
export function rekeyRecordsStatements(): string[] {
  const columns = [...recordColumns, rawColumn];
  const select = columns.map((col) => (col.name === 'event_digest' ? `coalesce(${q(col.name)}, '')` : q(col.name))).join(', ');
  return [
    'BEGIN TRANSACTION',
    createTableSql('records_rekeyed', columns, recordKey),
    `INSERT INTO "records_rekeyed" (${columns.map((col) => q(col.name)).join(', ')}) SELECT ${select} FROM "records"`,
    'DROP TABLE "records"',
    'ALTER TABLE "records_rekeyed" RENAME TO "records"',
    'COMMIT',
  ];
}
