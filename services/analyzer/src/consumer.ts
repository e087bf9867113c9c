import { dlqMessage, type Batch, type Bus, type OutMessage, type Subscription, type Topics } from '#shared/bus';
import type { Engine } from '#shared/engine';
import { createConsumerMetrics, reportingFailures } from '#shared/metrics';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '#shared/logging';
import { createProcessMessage } from './process-message.js';

export interface Analyzer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** partitions stuck on a failing batch for longer than the stall time (for readiness) */
  stalled(): string[];
}

/** Consumes `events`, produces `records`, `findings` and `dlq`; offsets commit only after all three are acked. */
export function createAnalyzer({ bus, engine, topics, groupId, logger, now = () => new Date(), registry }: {
  bus: Bus;
  engine: Engine;
  topics: Topics;
  groupId: string;
  logger: Logger;
  now?: () => Date;
  /** where to report events analysed or dead-lettered, findings by rule, batch time and lag */
  registry?: Registry;
}): Analyzer {
  const processMessage = createProcessMessage({ engine });
  const consumerMetrics = registry ? createConsumerMetrics(registry, 'analyzer') : undefined;
  const findingsByRule = registry
    ? new Counter({ name: 'kaudit_findings_total', help: 'Findings produced, by rule and severity', labelNames: ['rule', 'severity'] as const, registers: [registry] })
    : undefined;
  let subscription: Subscription | undefined;

  /** Latest value per key from the state topic (`null` marks a deleted key). */
  async function restoreState(): Promise<void> {
    let restored = 0;
    for (const m of await bus.readAll(topics.state)) {
      try {
        engine.state.restore(m.key, JSON.parse(m.value.toString('utf8')) as unknown);
        restored++;
      } catch {
        logger.warn({ key: m.key }, 'unreadable state entry skipped');
      }
    }
    logger.info({ restored, keys: engine.state.size }, 'rule state restored');
  }

  async function handle(batch: Batch): Promise<void> {
    const started = process.hrtime.bigint();
    const records: OutMessage[] = [];
    const findings: OutMessage[] = [];
    const dlq: OutMessage[] = [];
    for (const message of batch.messages) {
      const result = processMessage(message);
      if (result.kind === 'dlq') {
        logger.warn({ step: result.step, reason: result.reason, topic: batch.topic, offset: message.offset }, 'event sent to DLQ');
        dlq.push(
          dlqMessage({ key: message.key, value: message.value, headers: message.headers, reason: result.reason, step: result.step, time: now().toISOString(), sourceTopic: batch.topic }),
        );
        continue;
      }
      records.push({ key: message.key, value: Buffer.from(JSON.stringify(result.record)) });
      for (const f of result.findings) {
        findings.push({ key: message.key, value: Buffer.from(JSON.stringify(f)) });
        findingsByRule?.inc({ rule: f.ruleId, severity: f.severity });
      }
    }
    // Stateful rules' changes go to the compacted state topic with the outputs, before offsets commit.
    const state: OutMessage[] = engine.state.drain().map((c) => ({ key: c.key, value: Buffer.from(JSON.stringify(c.value)) }));
    await Promise.all([
      bus.produce(topics.records, records),
      bus.produce(topics.findings, findings),
      bus.produce(topics.dlq, dlq),
      bus.produce(topics.state, state),
    ]);
    consumerMetrics?.observe(batch, Number(process.hrtime.bigint() - started) / 1e9, { analyzed: records.length, dlq: dlq.length });
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
    },
    stalled: () => consumerMetrics?.stalled() ?? [],
  };
}
