import { dlqMessage, type Batch, type Bus, type InMessage, type OutMessage, type Subscription, type Topics } from '#shared/bus';
import type { Engine } from '#shared/engine';
import { createConsumerMetrics, reportingFailures } from '#shared/metrics';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '#shared/logging';
import { packValues, unpacked } from '#shared/threads';
import { partitionOfKey, partitionPrefix, type BatchAnalysis } from './analyze-batch.js';
import { engineOnThisThread, type EngineRunner, type RestoreRequest, type StateEntries } from './engine-thread.js';

/** messages per request to the engine: small enough that writing one chunk overlaps analysing the next */
const chunkMessages = 250;

export interface Analyzer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** partitions stuck on a failing batch for longer than the stall time (for readiness) */
  stalled(): string[];
  /** What a new analysis thread starts from: the partitions owned and the state topic's entries (engine-thread.ts). */
  restoreRequest(): Promise<RestoreRequest>;
}

/**
 * Consumes `events`, produces `records`, `findings` and `dlq`; offsets commit only after all three are acked.
 *
 * Each partition is analysed with state of its own (shared/engine/shared-state.ts). After the outputs of a
 * chunk are acknowledged, its state changes go to the compacted state topic with the partition's position
 * (`p<partition>|offset`), on one partition of it. An owner that takes the partition (a rebalance, a restart,
 * a failed batch) starts from that state and skips what the position says was analysed already, whose
 * outputs are on the bus: so a partition's analysis is the same whoever reads it and however often.
 */
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
  /** the events topic's partitions this analyzer owns */
  let owned: number[] = [];
  /** per partition, the offset up to which its outputs and state are on the bus */
  const analysedTo = new Map<number, bigint>();
  /** a batch failed after its analysis began: the engine's state is ahead of the bus, start again from the topic */
  let restoreFirst = false;
  /** the batch being handled: an assignment's restore waits for it, so that it reads what the batch wrote */
  let inFlight: Promise<void> = Promise.resolve();

  /** The state topic's latest entries for the owned partitions, with their positions taken out. */
  async function restoreRequest(): Promise<RestoreRequest> {
    const messages = await bus.readAll(topics.state);
    analysedTo.clear();
    const entries = messages.filter((m) => {
      const at = positionOfKey(m.key);
      if (at === undefined) return true;
      try {
        const offset = JSON.parse(m.value.toString('utf8')) as unknown;
        if (typeof offset === 'string') analysedTo.set(at, BigInt(offset));
      } catch {
        logger.warn({ key: m.key }, 'unreadable partition position skipped');
      }
      return false;
    });
    return { partitions: [...owned], ...stateEntries(entries) };
  }

  /** The owned partitions start afresh from the state topic (on assignment, and after a failed batch). */
  async function restoreState(): Promise<void> {
    const { restored, skipped, size } = await runner.restore(await restoreRequest());
    for (const key of skipped) logger.warn({ key }, 'unreadable state entry skipped');
    logger.info({ restored, keys: size, partitions: owned }, 'rule state restored');
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
    return Promise.all([bus.produce(topics.records, records), bus.produce(topics.findings, findings), bus.produce(topics.dlq, dlq)]).then(() => ({
      analyzed: records.length,
      dlq: dlq.length,
    }));
  }

  /** A chunk's state changes and the partition's position after it, on the state topic's partition for this partition. */
  async function produceState(partition: number, next: bigint, result: BatchAnalysis): Promise<void> {
    const on = partition % (await bus.partitions(topics.state));
    const state: OutMessage[] = result.state.keys.map((key, i) => ({ key, value: unpacked(result.state, i), partition: on }));
    state.push({ key: positionKey(partition), value: Buffer.from(JSON.stringify(next.toString())), partition: on });
    await bus.produce(topics.state, state);
    analysedTo.set(partition, next);
  }

  /**
   * The batch goes to the engine in chunks, all asked for at once: while the engine analyses one chunk,
   * this thread writes the outputs of the one before. Chunks are analysed and written in order; a chunk's
   * state follows its outputs and the state of the chunk before.
   */
  async function handle(batch: Batch): Promise<void> {
    const started = process.hrtime.bigint();
    if (restoreFirst) {
      await restoreState();
      restoreFirst = false;
    }
    const from = analysedTo.get(batch.partition);
    const fresh = from === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= from);
    const chunks: InMessage[][] = [];
    for (let i = 0; i < fresh.length; i += chunkMessages) chunks.push(fresh.slice(i, i + chunkMessages));
    try {
      const analyses = chunks.map((chunk) => runner.analyze(batch.partition, packValues(chunk.map((m) => m.value))));
      // a failure is reported by the first await that meets it (Promise.all below); none is left unhandled
      for (const a of analyses) a.catch(() => undefined);
      const written: Promise<{ analyzed: number; dlq: number }>[] = [];
      let stateWritten: Promise<void> = Promise.resolve();
      for (const [k, chunk] of chunks.entries()) {
        const result = await (analyses[k] as Promise<BatchAnalysis>);
        const outputs = produceOutputs(batch, chunk, result);
        const next = BigInt((chunk.at(-1) as InMessage).offset) + 1n;
        const before = stateWritten;
        stateWritten = Promise.all([outputs, before]).then(() => produceState(batch.partition, next, result));
        outputs.catch(() => undefined);
        stateWritten.catch(() => undefined);
        written.push(outputs);
      }
      const counts = await Promise.all(written);
      await stateWritten;
      consumerMetrics?.observe(batch, Number(process.hrtime.bigint() - started) / 1e9, {
        analyzed: counts.reduce((n, c) => n + c.analyzed, 0),
        dlq: counts.reduce((n, c) => n + c.dlq, 0),
      });
    } catch (err) {
      restoreFirst = true;
      throw err;
    }
  }

  return {
    async start() {
      subscription = await bus.consume({
        groupId,
        topics: [topics.events],
        handler: reportingFailures((batch) => {
          const handled = handle(batch);
          inFlight = handled.catch(() => undefined);
          return handled;
        }, consumerMetrics),
        // On every assignment (start and rebalance) the partitions start from the compacted state topic:
        // after a rebalance it holds what their previous owner wrote.
        onAssign: async (assignment) => {
          await inFlight;
          owned = assignment.filter((a) => a.topic === topics.events).map((a) => a.partition).sort((a, b) => a - b);
          restoreFirst = false;
          await restoreState();
        },
      });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
      await runner.close();
    },
    stalled: () => consumerMetrics?.stalled() ?? [],
    restoreRequest,
  };
}

const positionKey = (partition: number) => `${partitionPrefix(partition)}offset`;
/** The partition whose position a state key holds, or undefined for another key. */
function positionOfKey(key: string): number | undefined {
  const owned = partitionOfKey(key);
  return owned?.key === 'offset' ? owned.partition : undefined;
}

/** The state topic's messages as entries for the engine (latest per key last: restoring in order keeps it). */
export function stateEntries(messages: readonly { key: string; value: Buffer }[]): StateEntries {
  return { keys: messages.map((m) => m.key), values: packValues(messages.map((m) => m.value)) };
}
