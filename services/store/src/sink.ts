import { findingParser, recordMessageParser, type Finding, type RecordMessage } from '#shared/contracts';
import { dlqMessage, type Batch, type Bus, type OutMessage, type Subscription, type Topics } from '#shared/bus';
import type { ConsumerMetrics } from '#shared/http';
import type { Logger } from '#shared/logging';
import type { Database } from '#shared/storage';

export interface Sink {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Consumes `records` and `findings` into DuckDB, exactly once: each batch's rows and the consumer position
 * after it are written in one transaction, and consumption resumes from the stored position. Rows are
 * also written with INSERT OR IGNORE on their identity, so even a redelivery changes nothing.
 */
export function createSink({ bus, db, topics, groupId, logger, now = () => new Date(), metrics }: {
  bus: Bus;
  db: Database;
  topics: Topics;
  groupId: string;
  logger: Logger;
  now?: () => Date;
  /** where to report rows written or dead-lettered, batch time and lag */
  metrics?: ConsumerMetrics;
}): Sink {
  let subscription: Subscription | undefined;

  async function handleBatch(batch: Batch): Promise<void> {
    const started = process.hrtime.bigint();
    const records: RecordMessage[] = [];
    const findings: Finding[] = [];
    const dlq: OutMessage[] = [];
    const isRecords = batch.topic === topics.records;
    for (const message of batch.messages) {
      let json: unknown;
      try {
        json = JSON.parse(message.value.toString('utf8'));
      } catch {
        json = undefined;
      }
      const parsed = isRecords ? recordMessageParser.safeParse(json) : findingParser.safeParse(json);
      if (parsed.success) {
        if (isRecords) records.push(parsed.data as RecordMessage);
        else findings.push(parsed.data as Finding);
        continue;
      }
      const reason = `not a valid ${isRecords ? 'record' : 'finding'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      logger.warn({ topic: batch.topic, offset: message.offset, reason }, 'message sent to DLQ');
      dlq.push(dlqMessage({ key: message.key, value: message.value, reason, step: 'store-parse', time: now().toISOString(), sourceTopic: batch.topic }));
    }
    await bus.produce(topics.dlq, dlq);
    // Rows and the position after them in one DuckDB transaction: a crash between the write and the bus
    // commit neither loses nor duplicates anything (the next start seeks to the stored position).
    const written = await db.write({ records, findings, offset: { groupId, topic: batch.topic, partition: batch.partition, next: batch.next } });
    const stored = written.records + written.findings;
    metrics?.observe(batch, Number(process.hrtime.bigint() - started) / 1e9, { stored, duplicate: records.length + findings.length - stored, dlq: dlq.length });
  }

  return {
    async start() {
      subscription = await bus.consume({
        groupId,
        topics: [topics.records, topics.findings],
        handler: handleBatch,
        positionOf: (topic, partition) => db.storedOffset(groupId, topic, partition),
      });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
