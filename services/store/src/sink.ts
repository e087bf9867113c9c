import { decodeJson, findingParser, recordMessageParser, type Finding, type RecordMessage } from '#shared/contracts';
import { dlqMessage, type Batch, type Bus, type InMessage, type OutMessage, type Subscription, type Topics } from '#shared/bus';
import { KauditError, errorCodes } from '#shared/errors';
import { reportingFailures, type ConsumerMetrics } from '#shared/metrics';
import type { Logger } from '#shared/logging';
import { stagedAsIs, type Database, type StagedLine } from '#shared/storage';

export interface Sink {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Consumes `records` and `findings` into DuckDB, exactly once: each batch's rows and the consumer position
 * after it are written in one transaction, and consumption resumes from the stored position. Rows are
 * also written with INSERT OR IGNORE on their identity, so even a redelivery changes nothing.
 */
export function createSink({ bus, db, topics, groupId, logger, now = () => new Date(), metrics, onFindings }: {
  bus: Bus;
  db: Database;
  topics: Topics;
  groupId: string;
  logger: Logger;
  now?: () => Date;
  /** where to report rows written or dead-lettered, batch time and lag */
  metrics?: ConsumerMetrics;
  /** told of each findings batch once it is stored (the console's live stream) */
  onFindings?: (findings: readonly Finding[]) => void;
}): Sink {
  let subscription: Subscription | undefined;

  interface Row {
    value: RecordMessage | Finding;
    message: InMessage;
  }
  // A message is staged as the bytes it came in when they can be (stagedAsIs): checked, not written again.
  const staged = (r: Row): StagedLine | undefined => (stagedAsIs(r.message.value) ? { line: r.message.value } : undefined);
  const rowsOf = (rows: readonly Row[], isRecords: boolean) =>
    isRecords
      ? { records: rows.map((r) => staged(r) ?? (r.value as RecordMessage)), findings: [] }
      : { records: [], findings: rows.map((r) => staged(r) ?? (r.value as Finding)) };

  /**
   * Writes rows the database refused as a whole (a value a column cannot hold): halves, down to the rows it
   * refuses alone, which are returned for the DLQ. Each part is its own transaction, without the consumer
   * position: a crash in between repeats parts already written, which INSERT OR IGNORE makes harmless.
   */
  async function writeSplitting(rows: readonly Row[], isRecords: boolean): Promise<{ stored: number; refused: { row: Row; reason: string }[] }> {
    try {
      const w = await db.write(rowsOf(rows, isRecords));
      return { stored: w.records + w.findings, refused: [] };
    } catch (err) {
      if (!(err instanceof KauditError) || err.code !== errorCodes.storageRefused) throw err;
      const [only] = rows;
      if (rows.length === 1 && only) return { stored: 0, refused: [{ row: only, reason: err.message }] };
      const mid = Math.ceil(rows.length / 2);
      const a = await writeSplitting(rows.slice(0, mid), isRecords);
      const b = await writeSplitting(rows.slice(mid), isRecords);
      return { stored: a.stored + b.stored, refused: [...a.refused, ...b.refused] };
    }
  }

  async function handle(batch: Batch): Promise<void> {
    const started = process.hrtime.bigint();
    const rows: Row[] = [];
    const dlq: OutMessage[] = [];
    const isRecords = batch.topic === topics.records;
    const deadLetter = (message: InMessage, reason: string, step: string) => {
      logger.warn({ topic: batch.topic, offset: message.offset, reason }, 'message sent to DLQ');
      dlq.push(dlqMessage({ key: message.key, value: message.value, reason, step, time: now().toISOString(), sourceTopic: batch.topic }));
    };
    for (const message of batch.messages) {
      const parsed = isRecords ? decodeJson(recordMessageParser, message.value, 'a valid record') : decodeJson(findingParser, message.value, 'a valid finding');
      if (parsed.ok) rows.push({ value: parsed.value, message });
      else deadLetter(message, parsed.reason, 'store-parse');
    }
    const offset = { groupId, topic: batch.topic, partition: batch.partition, next: batch.next };
    let stored: number;
    let refusedRows = 0;
    try {
      // Rows and the position after them in one DuckDB transaction: a crash between the write and the bus
      // commit neither loses nor duplicates anything (the next start seeks to the stored position).
      await bus.produce(topics.dlq, dlq);
      const written = await db.write({ ...rowsOf(rows, isRecords), offset });
      stored = written.records + written.findings;
    } catch (err) {
      if (!(err instanceof KauditError) || err.code !== errorCodes.storageRefused) throw err;
      // One row the database cannot hold must not stall the partition: split down to it, dead-letter it,
      // then store the position (after the DLQ has the rows, so none is lost).
      const split = await writeSplitting(rows, isRecords);
      const refused = split.refused.map(({ row, reason }) => dlqMessage({ key: row.message.key, value: row.message.value, reason, step: 'store-write', time: now().toISOString(), sourceTopic: batch.topic }));
      for (const { row, reason } of split.refused) logger.warn({ topic: batch.topic, offset: row.message.offset, reason }, 'row refused by the database; sent to DLQ');
      await bus.produce(topics.dlq, refused);
      await db.write({ records: [], findings: [], offset });
      dlq.push(...refused);
      refusedRows = refused.length;
      stored = split.stored;
    }
    if (!isRecords && onFindings) onFindings(rows.map((r) => r.value as Finding));
    metrics?.observe(batch, Number(process.hrtime.bigint() - started) / 1e9, { stored, duplicate: rows.length - refusedRows - stored, dlq: dlq.length });
  }

  return {
    async start() {
      subscription = await bus.consume({
        groupId,
        topics: [topics.records, topics.findings],
        handler: reportingFailures(handle, metrics),
        positionOf: (topic, partition) => db.storedOffset(groupId, topic, partition),
      });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
