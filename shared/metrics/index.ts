import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Prometheus pieces every service shares: a service's registry and what every bus consumer reports
// (services add their own counters to the registry).

/** A service's metrics; `processMetrics: false` for a second service in the same process (npm start). */
export function createMetricsRegistry(service: string, { processMetrics = true }: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** What every consumer reports: messages by outcome, batch handling time, lag per partition, and stalls. */
export interface ConsumerMetrics {
  observe(batch: { topic: string; partition: number; next: string; highWatermark: string }, seconds: number, outcomes: Record<string, number>): void;
  /** a batch failed (it will be delivered again): counted, its lag shown, its partition watched for a stall */
  failed(batch: { topic: string; partition: number; messages: readonly { offset: string }[]; highWatermark: string }): void;
  /** partitions whose batch has failed again and again for longer than the stall time, e.g. `kaudit.records/2 for 75 s` */
  stalled(): string[];
}
/** A batch handler whose failures are reported to `metrics` (counted, watched for a stall) before they propagate. */
export function reportingFailures<B extends Parameters<ConsumerMetrics['failed']>[0]>(handle: (batch: B) => Promise<void>, metrics: ConsumerMetrics | undefined): (batch: B) => Promise<void> {
  return async (batch) => {
    try {
      await handle(batch);
    } catch (err) {
      metrics?.failed(batch);
      throw err;
    }
  };
}

/** How long a partition may fail before it counts as stalled (readiness and kaudit_consumer_stalled). */
export const defaultStallAfterMs = 60_000;

export function createConsumerMetrics(registry: Registry, component: string, { stallAfterMs = defaultStallAfterMs, now = Date.now }: { stallAfterMs?: number; now?: () => number } = {}): ConsumerMetrics {
  const messages = new Counter({ name: 'kaudit_consumer_messages_total', help: 'Messages consumed, by outcome', labelNames: ['component', 'topic', 'outcome'] as const, registers: [registry] });
  const seconds = new Histogram({
    name: 'kaudit_consumer_batch_seconds',
    help: 'Time to handle one batch, outputs durably written',
    labelNames: ['component'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const lag = new Gauge({ name: 'kaudit_consumer_lag', help: 'Distance behind the partition end after the last batch (Kafka: messages; embedded log: bytes)', labelNames: ['component', 'topic', 'partition'] as const, registers: [registry] });
  const failures = new Counter({ name: 'kaudit_consumer_failures_total', help: 'Batches that failed and will be delivered again', labelNames: ['component', 'topic'] as const, registers: [registry] });
  /** topic/partition → when its current batch first failed */
  const failingSince = new Map<string, number>();
  const stalled = (): string[] => {
    const t = now();
    return [...failingSince].filter(([, since]) => t - since > stallAfterMs).map(([where, since]) => `${where} for ${String(Math.round((t - since) / 1000))} s`);
  };
  new Gauge({
    name: 'kaudit_consumer_stalled',
    help: `Partitions whose batch has failed for more than ${String(stallAfterMs / 1000)} s (nothing after it is handled)`,
    labelNames: ['component'] as const,
    registers: [registry],
    collect() {
      this.set({ component }, stalled().length);
    },
  });
  const behind = (highWatermark: string, from: string) => Math.max(0, Number(BigInt(highWatermark) - BigInt(from)));
  return {
    observe(batch, s, outcomes) {
      failingSince.delete(`${batch.topic}/${String(batch.partition)}`);
      seconds.observe({ component }, s);
      for (const [outcome, n] of Object.entries(outcomes)) if (n > 0) messages.inc({ component, topic: batch.topic, outcome }, n);
      lag.set({ component, topic: batch.topic, partition: String(batch.partition) }, behind(batch.highWatermark, batch.next));
    },
    failed(batch) {
      const where = `${batch.topic}/${String(batch.partition)}`;
      if (!failingSince.has(where)) failingSince.set(where, now());
      failures.inc({ component, topic: batch.topic });
      const first = batch.messages[0]?.offset;
      if (first !== undefined) lag.set({ component, topic: batch.topic, partition: String(batch.partition) }, behind(batch.highWatermark, first));
    },
    stalled,
  };
}
