import { Counter, Histogram, type Registry } from 'prom-client';
import { dlqMessage, messageKey, type Batch, type Bus, type Subscription, type Topics } from '#shared/bus';
import { decodeJson, findingParser, type Finding } from '#shared/contracts';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { deliver } from './deliver.js';
import { outputsFor } from './match.js';
import type { NotifyFile, NotifyOutput } from './notify-file.js';
import { deliveriesFor } from './outputs/index.js';
import { rateLimit } from './rate-limit.js';

// The notify service: every output is a consumer group of its own on the findings topic
// (`<prefix>notify-<output>`), so an output that is down holds back only its own deliveries. A batch's
// offsets are committed only once each of its findings that a route sends to the output is delivered, or
// parked in the DLQ (step `notify-<output>`) with the reason: nothing is lost to a crash or an outage, and
// what a crash repeats is sent again under the same idempotency key (the finding's id).

export interface Notify {
  stop(): Promise<void>;
}

export async function runNotify({ file, secrets = {}, bus, topics, prefix, logger, lifecycle, registry, now = () => new Date() }: {
  file: NotifyFile;
  /** the KAUDIT_NOTIFY_SECRET_* variables the file's `{env}` secrets name */
  secrets?: Readonly<Record<string, string>>;
  bus: Bus;
  topics: Topics;
  /** the topic prefix, for the consumer groups' names */
  prefix: string;
  logger: Logger;
  lifecycle: Lifecycle;
  registry?: Registry;
  now?: () => Date;
}): Promise<Notify> {
  const registers = registry === undefined ? [] : [registry];
  const sent = new Counter({ name: 'kaudit_notify_sent_total', help: 'Findings delivered, by output', labelNames: ['output'] as const, registers });
  const retried = new Counter({ name: 'kaudit_notify_retried_total', help: 'Delivery attempts that failed and were retried, by output', labelNames: ['output'] as const, registers });
  const parked = new Counter({ name: 'kaudit_notify_parked_total', help: 'Findings parked in the DLQ undelivered, by output', labelNames: ['output'] as const, registers });
  const latency = new Histogram({
    name: 'kaudit_notify_latency_seconds',
    help: 'From a finding’s arrival at notify to its delivery (retries and rate limit included), by output',
    labelNames: ['output'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const abort = new AbortController();
  const policy = { retryForMs: file.delivery.retryForSeconds * 1000, firstBackoffMs: file.delivery.firstBackoffMs, maxBackoffMs: file.delivery.maxBackoffMs };

  function handlerFor(name: string, output: NotifyOutput) {
    const log = logger.child({ output: name });
    const deliveries = deliveriesFor(output, file.links?.baseUrl, now, secrets);
    const limit = rateLimit(output.maxPerMinute);
    return async (batch: Batch): Promise<void> => {
      const arrived = Date.now();
      const findings = new Map<string, Finding>();
      for (const m of batch.messages) {
        const d = decodeJson(findingParser, m.value, 'a finding');
        // the analyzer's output: a finding that does not parse is its DLQ's business, not a notification
        if (!d.ok) continue;
        if (outputsFor(file.routes, d.value).has(name)) findings.set(d.value.id, d.value);
      }
      for (const { findings: part, send } of deliveries([...findings.values()])) {
        await limit.take(abort.signal);
        const outcome = await deliver(send, policy, {
          signal: abort.signal,
          onRetry: (reason, waitMs) => {
            retried.inc({ output: name });
            log.warn({ reason, retryInMs: Math.round(waitMs), findings: part.length }, 'notification not delivered; retrying');
          },
        });
        if (outcome.delivered) {
          sent.inc({ output: name }, part.length);
          const seconds = (Date.now() - arrived) / 1000;
          for (let i = 0; i < part.length; i++) latency.observe({ output: name }, seconds);
          continue;
        }
        log.error({ reason: outcome.reason, findings: part.length, attempts: outcome.attempts }, 'notification parked in the DLQ');
        await bus.produce(
          topics.dlq,
          part.map((f) => dlqMessage({ key: messageKey(f.cluster, f.user), value: Buffer.from(JSON.stringify(f)), reason: outcome.reason, step: `notify-${name}`, time: new Date().toISOString(), sourceTopic: topics.findings, cluster: f.cluster })),
        );
        parked.inc({ output: name }, part.length);
      }
    };
  }

  const subscriptions: Subscription[] = [];
  for (const [name, output] of Object.entries(file.outputs)) {
    subscriptions.push(await bus.consume({ groupId: `${prefix}notify-${name}`, topics: [topics.findings], handler: handlerFor(name, output) }));
  }
  logger.info({ outputs: Object.keys(file.outputs), routes: file.routes.map((r) => r.name) }, 'notify delivering findings');
  const stop = async () => {
    // retries in progress end: their batch is not committed, and is delivered again after a restart
    abort.abort();
    await Promise.all(subscriptions.map((s) => s.stop()));
  };
  lifecycle.onShutdown('drain', 'notify', stop);
  return { stop };
}
