import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, INTEGER, VARCHAR, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { errorCodes, errorMessage, KauditError } from '#shared/errors';
import { insertFindingMessagesSql, insertRecordMessagesSql, primaryKeySql, rekeyRecordsStatements, schemaStatements } from './schema.js';
import { stagingDirOf } from './staging.js';

export type SqlParams = DuckDBValue[];
export interface ConsumerOffset {
  groupId: string;
  topic: string;
  partition: number;
  /** the next offset to consume */
  next: string;
}
export type Row = Record<string, unknown>;
/** A record to store, with its raw event (null: not kept, e.g. replay's `--raw findings` for events without findings). */
export interface StoredRecord {
  record: NormalizedRecord;
  event: Record<string, unknown> | null;
}

/** A row already as its staged line: a message's own bytes that `stagedAsIs` accepts. */
export interface StagedLine {
  line: Buffer;
}

export interface Database {
  /**
   * Writes records and findings in one transaction; rows already present are left as they are. With
   * `offset`, the consumer position after this batch is stored in the same transaction (exactly-once).
   */
  write(batch: { records: readonly (StoredRecord | StagedLine)[]; findings: readonly (Finding | StagedLine)[]; offset?: ConsumerOffset }): Promise<{ records: number; findings: number }>;
  /**
   * Loads staged NDJSON files (lines from `recordLine` / `findingLine`) in one transaction, rows already
   * present left as they are. For bulk loads (replay): DuckDB writes a large insert (a row group, 122,880
   * rows, or more) straight to the database file instead of through its write-ahead log, several times
   * faster than the same rows in small transactions.
   */
  writeFiles(files: { records?: string | undefined; findings?: string | undefined }): Promise<{ records: number; findings: number }>;
  /** The stored position of a consumer group on a partition (the next offset to read), if any. */
  storedOffset(groupId: string, topic: string, partition: number): Promise<string | undefined>;
  query(sql: string, params?: SqlParams, types?: DuckDBType[]): Promise<Row[]>;
  /** Runs one statement (e.g. a DELETE) on the write connection, queued behind writes; returns rows changed. */
  execute(sql: string, params?: SqlParams, types?: DuckDBType[]): Promise<number>;
  /**
   * Runs `steps` in one transaction on the write connection, queued behind writes (no batch of the sink
   * comes between its statements); `run` answers each statement's rows. Rolled back when `steps` rejects.
   */
  transaction<T>(steps: (run: (sql: string, params?: SqlParams, types?: DuckDBType[]) => Promise<Row[]>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** a private directory for staged rows (`writeFiles`), emptied when the database is opened */
  readonly stagingDir: string;
}

const insertRecords = insertRecordMessagesSql();
const upsertOffset = 'INSERT OR REPLACE INTO consumer_offsets (group_id, topic, "partition", next_offset) VALUES ($1, $2, $3, $4)';
const selectOffset = 'SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2 AND "partition" = $3';
const insertFindings = insertFindingMessagesSql();

/** DuckDB's errors about the data itself (its casts and constraints), as opposed to I/O or memory. */
const refusedData = /^(Conversion|Invalid Input|Out of Range|Constraint|Mismatch Type) Error/;

/** A `\uXXXX` escape of a UTF-16 surrogate (not preceded by an escaping backslash). */
const surrogateEscape = String.raw`(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}`;
const surrogateEscapes = new RegExp(surrogateEscape, 'g');
const anySurrogateEscape = new RegExp(surrogateEscape);

/**
 * JSON.stringify writes a lone surrogate (a string cut inside an emoji, or crafted by a client: any string
 * of an audit event can carry one) as an escape such as `\ud800`, and DuckDB's JSON reader refuses the whole
 * file for it: one such event would fail every load of its batch, and stall the store's partition. Those
 * escapes become U+FFFD. (JSON.stringify escapes only lone surrogates; pairs are written as characters.)
 */
function wellFormed(json: string): string {
  return json.includes('\\ud') ? json.replace(surrogateEscapes, '$1\\ufffd') : json;
}

/**
 * One `records` row as a staged NDJSON line (no newline): a record message, `{"record":…,"event":…}`.
 * `rawText`: the raw event's JSON text when the caller has it already (replay's JSON lines), so the event is
 * not serialised again; text with surrogate escapes is serialised again all the same, so that only lone
 * ones are replaced.
 */
export function recordLine(m: StoredRecord, rawText?: string): string {
  const raw = rawText !== undefined && !(rawText.includes('\\u') && anySurrogateEscape.test(rawText)) ? rawText : wellFormed(JSON.stringify(m.event));
  return `{"record":${wellFormed(JSON.stringify(m.record))},"event":${raw}}`;
}
/** One `findings` row as a staged NDJSON line (no newline): the finding's JSON. */
export function findingLine(f: Finding): string {
  return wellFormed(JSON.stringify(f));
}

/**
 * Whether a message's bytes, as received, can be a staged line: one line (JSON whitespace may hold a newline)
 * without a lone surrogate's escape. Such bytes are staged without being parsed and written again.
 */
export function stagedAsIs(bytes: Buffer): boolean {
  if (bytes.includes(0x0a) || bytes.includes(0x0d)) return false;
  return !bytes.includes('\\u') || !anySurrogateEscape.test(bytes.toString('utf8'));
}

const newline = Buffer.from('\n');

function ndjson<T>(rows: readonly (T | StagedLine)[], line: (row: T) => string): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    parts.push(typeof row === 'object' && row !== null && 'line' in row && Buffer.isBuffer(row.line) ? row.line : Buffer.from(line(row as T)), newline);
  }
  return Buffer.concat(parts);
}

/**
 * Opens (or creates) the DuckDB file. One process owns it: the store, or replay. Writes are batched
 * through a staged NDJSON file and `read_json` (an order of magnitude faster than row inserts).
 */
export async function openDatabase(file: string, options: { memoryLimit?: string } = {}): Promise<Database> {
  mkdirSync(path.dirname(file), { recursive: true });
  let instance: DuckDBInstance;
  try {
    // DuckDB's buffer pool otherwise grows to 80 % of the machine's memory as a bulk load proceeds.
    instance = await DuckDBInstance.create(file, options.memoryLimit === undefined ? {} : { memory_limit: options.memoryLimit });
  } catch (err) {
    throw new KauditError(errorCodes.storage, `cannot open DuckDB file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  // DuckDB creates the file (and its WAL) with the process umask: private, as the rows are audit data
  chmodSync(file, 0o600);
  if (existsSync(`${file}.wal`)) chmodSync(`${file}.wal`, 0o600);
  const writer = await instance.connect();
  const reader = await instance.connect();
  for (const sql of schemaStatements) await writer.run(sql);
  const key = (await writer.runAndReadAll(primaryKeySql, ['records'], [VARCHAR])).getRowObjectsJson()[0]?.columns;
  if (Array.isArray(key) && !key.includes('event_digest')) {
    try {
      for (const sql of rekeyRecordsStatements()) await writer.run(sql);
    } catch (err) {
      await writer.run('ROLLBACK').catch(() => undefined);
      throw new KauditError(errorCodes.storage, `cannot upgrade the records table of ${file}: ${errorMessage(err)}`, { cause: err });
    }
  }
  // Staged rows beside the database, private; the file has one owner, so what is there is a killed process's
  const staging = stagingDirOf(file);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  let queue: Promise<unknown> = Promise.resolve();
  let seq = 0;

  // One writer at a time on the write connection.
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function changes(conn: DuckDBConnection, sql: string, file: string): Promise<number> {
    const result = await conn.run(sql, [file]);
    return result.rowsChanged;
  }

  /** One transaction: staged records and findings (either may be absent) and the consumer position. */
  async function load(recFile: string | undefined, finFile: string | undefined, offset: ConsumerOffset | undefined): Promise<{ records: number; findings: number }> {
    try {
      await writer.run('BEGIN TRANSACTION');
      const r = recFile !== undefined ? await changes(writer, insertRecords, recFile) : 0;
      const f = finFile !== undefined ? await changes(writer, insertFindings, finFile) : 0;
      if (offset) {
        await writer.run(upsertOffset, [offset.groupId, offset.topic, offset.partition, offset.next], [VARCHAR, VARCHAR, INTEGER, VARCHAR]);
      }
      await writer.run('COMMIT');
      return { records: r, findings: f };
    } catch (err) {
      await writer.run('ROLLBACK').catch(() => undefined);
      const message = errorMessage(err);
      // A value a column cannot hold is the rows' fault, not the database's: the caller splits the batch.
      if (refusedData.test(message)) throw new KauditError(errorCodes.storageRefused, `DuckDB refused the rows: ${message}`, { cause: err });
      throw new KauditError(errorCodes.storage, `DuckDB write failed: ${message}`, { retriable: true, cause: err });
    }
  }

  return {
    write({ records, findings, offset }) {
      return serialized(async () => {
        const n = seq++;
        const recFile = path.join(staging, `records-${String(n)}.ndjson`);
        const finFile = path.join(staging, `findings-${String(n)}.ndjson`);
        try {
          await Promise.all([
            records.length > 0 ? writeFile(recFile, ndjson(records, recordLine), { mode: 0o600 }) : undefined,
            findings.length > 0 ? writeFile(finFile, ndjson(findings, findingLine), { mode: 0o600 }) : undefined,
          ]);
          return await load(records.length > 0 ? recFile : undefined, findings.length > 0 ? finFile : undefined, offset);
        } finally {
          await Promise.all([rm(recFile, { force: true }), rm(finFile, { force: true })]);
        }
      });
    },
    writeFiles(files) {
      return serialized(() => load(files.records, files.findings, undefined));
    },
    // Reads go through the same queue as writes: DuckDB 1.5 can crash when a scan of a list column races
    // an append to the same table on another connection (seen under the store benchmark; upstream issue
    // duckdb/duckdb#19570). Each query still uses all cores inside DuckDB.
    storedOffset(groupId, topic, partition) {
      return serialized(async () => {
        const result = await reader.runAndReadAll(selectOffset, [groupId, topic, partition], [VARCHAR, VARCHAR, INTEGER]);
        const row = result.getRowObjectsJson()[0];
        return typeof row?.next_offset === 'string' ? row.next_offset : undefined;
      });
    },
    query(sql, params = [], types) {
      return serialized(async () => (await reader.runAndReadAll(sql, params, types)).getRowObjectsJson());
    },
    execute(sql, params = [], types) {
      return serialized(async () => {
        try {
          const result = await writer.run(sql, params, types);
          return result.rowsChanged;
        } catch (err) {
          throw new KauditError(errorCodes.storage, `DuckDB statement failed: ${errorMessage(err)}`, { cause: err });
        }
      });
    },
    transaction(steps) {
      return serialized(async () => {
        await writer.run('BEGIN TRANSACTION');
        try {
          const result = await steps(async (sql, params = [], types) => (await writer.runAndReadAll(sql, params, types)).getRowObjectsJson());
          await writer.run('COMMIT');
          return result;
        } catch (err) {
          await writer.run('ROLLBACK').catch(() => undefined);
          throw new KauditError(errorCodes.storage, `DuckDB transaction failed: ${errorMessage(err)}`, { cause: err });
        }
      });
    },
    async close() {
      await queue;
      writer.closeSync();
      reader.closeSync();
      instance.closeSync();
      await rm(staging, { recursive: true, force: true });
    },
    stagingDir: staging,
  };
}
