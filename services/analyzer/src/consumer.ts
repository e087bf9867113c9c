import { dlqMessage, type Batch, type Bus, type InMessage, type OutMessage, type Subscription, type Topics } from '#shared/bus';
import type { Engine } from '#shared/engine';
import { createConsumerMetrics, reportingFailures } from '#shared/metrics';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '#shared/logging';
import { packValues, unpacked } from '#shared/threads';
import type { BatchAnalysis } from './analyze-batch.js';
import { engineOnThisThread, type EngineRunner, type StateEntries } from './engine-thread.js';

/** messages per request to the engine: small enough that writing one chunk overlaps analysing the next */
const chunkMessages = 250;

export interface Analyzer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** partitions stuck on a failing batch for longer than the stall time (for readiness) */
  stalled(): string[];
}

/** Consumes `events`, produces `records`, `findings` and `dlq`; offsets commit only after all three are acked. */
export function createAnalyzer({ bus, engine, topics, groupId, logger, now = () => new Date(), registry }: {
  bus: Bus;
  /** an engine built in code (analysed on this thread), or where the engine runs (engine-thread.ts) */
  engine: Engine | EngineRunner;
  topics: Topics;
  groupId: string;
  logger: Logger;
  now?: () => Date;
  /** where to report events analysed or dead-lettered, findings by rule, batch time and lag */
  registry?: Registry;
}): Analyzer {
  const runner = 'restore' in engine ? engine : engineOnThisThread(engine);
  const consumerMetrics = registry ? createConsumerMetrics(registry, 'analyzer') : undefined;
  const findingsByRule = registry
    ? new Counter({ name: 'kaudit_findings_total', help: 'Findings produced, by rule and severity', labelNames: ['rule', 'severity'] as const, registers: [registry] })
    : undefined;
  let subscription: Subscription | undefined;

  /** Latest value per key from the state topic (`null` marks a deleted key). */
  async function restoreState(): Promise<void> {
    const { restored, skipped, size } = await runner.restore(stateEntries(await bus.readAll(topics.state)));
    for (const key of skipped) logger.warn({ key }, 'unreadable state entry skipped');
    logger.info({ restored, keys: size }, 'rule state restored');
  }

  /** A chunk's outputs, durably on the bus when this resolves. */
  function produceOutputs(batch: Batch, messages: readonly InMessage[], result: BatchAnalysis): Promise<{ analyzed: number; dlq: number }> {
    const keyOf = (i: number) => messages[i]?.key ?? '';
    const records: OutMessage[] = result.records.from.map((from, i) => ({ key: keyOf(from), value: unpacked(result.records, i) }));
    const findings: OutMessage[] = result.findings.from.map((from, i) => ({ key: keyOf(from), value: unpacked(result.findings, i) }));
    if (findingsByRule) {
      result.findings.rule.forEach((rule, i) => {
        findingsByRule.inc({ rule, severity: result.findings.severity[i] ?? '' });
      });
    }
    const dlq: OutMessage[] = result.dlq.map(({ index, step, reason }) => {
      const message = messages[index];
      logger.warn({ step, reason, topic: batch.topic, offset: message?.offset }, 'event sent to DLQ');
      return dlqMessage({ key: keyOf(index), value: message?.value ?? Buffer.alloc(0), headers: message?.headers ?? {}, reason, step, time: now().toISOString(), sourceTopic: batch.topic });
    });
    // Stateful rules' changes go to the compacted state topic with the outputs, before offsets commit.
    const state: OutMessage[] = result.state.keys.map((key, i) => ({ key, value: unpacked(result.state, i) }));
    return Promise.all([
      bus.produce(topics.records, records),
      bus.produce(topics.findings, findings),
      bus.produce(topics.dlq, dlq),
      bus.produce(topics.state, state),
    ]).then(() => ({ analyzed: records.length, dlq: dlq.length }));
  }

  /**
   * The batch goes to the engine in chunks, all asked for at once: while the engine analyses one chunk,
   * this thread writes the outputs of the one before. Chunks are analysed and written in order.
   */
  async function handle(batch: Batch): Promise<void> {
    const started = process.hrtime.bigint();
    const chunks: InMessage[][] = [];
    for (let i = 0; i < batch.messages.length; i += chunkMessages) chunks.push(batch.messages.slice(i, i + chunkMessages));
    const analyses = chunks.map((chunk) => runner.analyze(packValues(chunk.map((m) => m.value))));
    // a failure is reported by the first await that meets it (Promise.all below); none is left unhandled
    for (const a of analyses) a.catch(() => undefined);
    const written: Promise<{ analyzed: number; dlq: number }>[] = [];
    for (const [k, chunk] of chunks.entries()) {
      const w = produceOutputs(batch, chunk, await (analyses[k] as Promise<BatchAnalysis>));
      w.catch(() => undefined);
      written.push(w);
    }
    const counts = await Promise.all(written);
    consumerMetrics?.observe(batch, Number(process.hrtime.bigint() - started) / 1e9, {
      analyzed: counts.reduce((n, c) => n + c.analyzed, 0),
      dlq: counts.reduce((n, c) => n + c.dlq, 0),
    });
  }

  return {
    async start() {
      subscription = await bus.consume({
        groupId,
        topics: [topics.events],
        handler: reportingFailures(handle, consumerMetrics),
        // On every assignment (start and rebalance) take the latest state of every key from the compacted
        // state topic: after a rebalance it holds what the partitions' previous owner wrote.
        onAssign: restoreState,
      });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
      await runner.close();
    },
    stalled: () => consumerMetrics?.stalled() ?? [],
  };
}

/** The state topic's messages as entries for the engine (latest per key last: restoring in order keeps it). */
export function stateEntries(messages: readonly { key: string; value: Buffer }[]): StateEntries {
  return { keys: messages.map((m) => m.key), values: packValues(messages.map((m) => m.value)) };
}
