import { VARCHAR } from '@duckdb/node-api';
import type { Logger } from '#shared/logging';
import type { Database } from './database.js';
import { handOffToLake, type HandOff } from './lake.js';
import { sqlTimestamp } from './schema.js';

/** Rows a pass took out of the file per table; with a lake, the days it handed over there. */
export interface RetentionResult {
  records: number;
  findings: number;
  lake?: HandOff;
}

export interface Retention {
  /** Stops the timer; waits for a pass that is running. */
  stop(): Promise<void>;
  /** One pass now (or the result of the pass already running). */
  runOnce(): Promise<RetentionResult>;
}

const dayMs = 86_400_000;
// Table names are constants; the cut-off is a bound parameter. A row goes when both its event time and its
// receipt are past the cut-off: an event dated 1970 on arrival is not deleted at once (hiding it), and a
// finding goes only with the last record of its request.
const deleteRecords = 'DELETE FROM records WHERE event_time < CAST($1 AS TIMESTAMP) AND received_at < CAST($1 AS TIMESTAMP)';
const deleteFindings =
  'DELETE FROM findings WHERE event_time < CAST($1 AS TIMESTAMP) AND NOT EXISTS (' +
  'SELECT 1 FROM records r WHERE r.cluster = findings.cluster AND r.audit_id = findings.audit_id AND (r.event_time >= CAST($1 AS TIMESTAMP) OR r.received_at >= CAST($1 AS TIMESTAMP)))';

/**
 * One retention pass: deletes the findings, then the records, older than `cutoff` (as above: a record when
 * both its event time and its receipt are, a finding only with the last record of its request). Rows deleted
 * per table.
 */
export async function runRetentionPass(db: Pick<Database, 'execute'>, cutoff: Date): Promise<{ records: number; findings: number }> {
  if (Number.isNaN(cutoff.getTime())) throw new RangeError('retention cut-off is not a valid time');
  const at = sqlTimestamp(cutoff);
  const findings = await db.execute(deleteFindings, [at], [VARCHAR]);
  const records = await db.execute(deleteRecords, [at], [VARCHAR]);
  return { records, findings };
}

/**
 * One pass of the retention: without a lake, `runRetentionPass`; with one (KAUDIT_LAKE_DIR), every whole day
 * before the cut-off handed over to it (lake.ts), where the query API still reads it.
 */
export async function retentionPass(db: Pick<Database, 'execute' | 'query' | 'transaction'>, cutoff: Date, lake: string | undefined): Promise<RetentionResult> {
  if (lake === undefined) return runRetentionPass(db, cutoff);
  const handed = await handOffToLake(db, lake, cutoff);
  return { records: handed.records, findings: handed.findings, lake: handed };
}

/**
 * KAUDIT_RETENTION_DAYS: deletes records and findings whose event_time is older than `days` before now,
 * on the store's write connection (queued behind the sink's batches). The first pass runs shortly after
 * start, then every `intervalMs`; passes never overlap.
 */
export function startRetention({
  db,
  days,
  lake,
  logger,
  intervalMs = 3_600_000,
  firstRunMs = 5_000,
  now = () => Date.now(),
}: {
  db: Pick<Database, 'execute' | 'query' | 'transaction'>;
  days: number;
  /** KAUDIT_LAKE_DIR: the days past the retention are handed over there instead of deleted */
  lake?: string | undefined;
  logger: Logger;
  intervalMs?: number;
  firstRunMs?: number;
  now?: () => number;
}): Retention {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`retention days must be a positive integer, got ${String(days)}`);
  let running: Promise<RetentionResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function pass(): Promise<RetentionResult> {
    const cutoff = new Date(now() - days * dayMs);
    const started = Date.now();
    const done = await retentionPass(db, cutoff, lake);
    logger.info({ cutoff: sqlTimestamp(cutoff), records: done.records, findings: done.findings, ...(done.lake ? { lakeDays: done.lake.days, lakeFiles: done.lake.files } : {}), ms: Date.now() - started }, 'retention pass');
    return done;
  }

  function runOnce(): Promise<RetentionResult> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => {
          logger.error({ err }, 'retention pass failed');
        })
        .finally(() => {
          schedule(intervalMs);
        });
    }, ms);
    timer.unref();
  }
  schedule(firstRunMs);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running.catch(() => undefined);
    },
  };
}
