import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { dlqMessage, messageKey, type Batch, type Bus, type Subscription, type Topics } from '#shared/bus';
import { decodeJson, findingParser } from '#shared/contracts';
import type { Lifecycle } from '#shared/lifecycle';
import type { Logger } from '#shared/logging';
import { deliver } from './deliver.js';
import { grouping, type Grouping } from './grouping.js';
import { groupKey } from './groups.js';
import { routeTo } from './match.js';
import { single, type Notification } from './notification.js';
import type { NotifyFile, NotifyOutput } from './notify-file.js';
import { deliveriesFor } from './outputs/index.js';
import { rateLimit } from './rate-limit.js';

// The notify service: every output is a consumer group of its own on the findings topic
// (`<prefix>notify-<output>`), so an output that is down holds back only its own deliveries. A batch's
// offsets are committed only once each of its findings that a route sends to the output is delivered, or
// parked in the DLQ (step `notify-<output>`) with the reason: nothing is lost to a crash or an outage, and
// what a crash repeats is sent again under the same idempotency key (the finding's id). A route with
// `group` holds its findings in windows instead (grouping.ts), their state on the compacted `notify` topic
// before the batch commits; a window is delivered when it closes, under the group's id.

export interface Notify {
  /** Outputs whose delivery has been failing for more than a minute, with how long (for /readyz). */
  stalled(): string[];
  stop(): Promise<void>;
}

/** How often a batch whose delivery waits tells Kafka's group coordinator it is alive (session: 10 s). */
const heartbeatMs = 2_000;

export async function runNotify({ file, secrets = {}, bus, topics, prefix, logger, lifecycle, registry, now = () => new Date(), stalledAfterMs = 60_000 }: {
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
  /** an output whose delivery has been failing for longer is reported by stalled() */
  stalledAfterMs?: number;
}): Promise<Notify> {
  const registers = registry === undefined ? [] : [registry];
  const sent = new Counter({ name: 'kaudit_notify_sent_total', help: 'Findings delivered (a group counts its findings), by output', labelNames: ['output'] as const, registers });
  const notificationsSent = new Counter({ name: 'kaudit_notify_notifications_total', help: 'Notifications delivered (a finding, or a group of findings), by output', labelNames: ['output'] as const, registers });
  const retried = new Counter({ name: 'kaudit_notify_retried_total', help: 'Delivery attempts that failed and were retried, by output', labelNames: ['output'] as const, registers });
  const parked = new Counter({ name: 'kaudit_notify_parked_total', help: 'Findings parked in the DLQ undelivered, by output', labelNames: ['output'] as const, registers });
  const latency = new Histogram({
    name: 'kaudit_notify_latency_seconds',
    help: 'From a finding’s arrival at notify (a group: its window’s close) to its delivery, retries and rate limit included, by output',
    labelNames: ['output'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const waiting = new Map<string, Grouping>();
  new Gauge({
    name: 'kaudit_notify_grouped_waiting',
    help: 'Findings held in grouping windows (open, or closed and not yet delivered), by output',
    labelNames: ['output'] as const,
    registers,
    collect() {
      for (const [output, g] of waiting) this.set({ output }, g.waiting().findings);
    },
  });
  const abort = new AbortController();
  /** per output, since when its current delivery has been failing */
  const failingSince = new Map<string, number>();
  const policy = { retryForMs: file.delivery.retryForSeconds * 1000, firstBackoffMs: file.delivery.firstBackoffMs, maxBackoffMs: file.delivery.maxBackoffMs };

  function outputFor(name: string, output: NotifyOutput) {
    const log = logger.child({ output: name });
    const deliveries = deliveriesFor(output, file.links?.baseUrl, now, secrets);
    const limit = rateLimit(output.maxPerMinute);
    const groups = grouping({ output: name, bus, topic: topics.notify, logger: log, now: () => now().getTime() });
    waiting.set(name, groups);

    /**
     * Delivers the notifications (those of one batch, or the closed windows), each delivered or parked
     * before this resolves; `settled` runs after each delivery's. `since` is when they became due.
     */
    async function send(notifications: Notification[], since: number, { signal = abort.signal, settled }: { signal?: AbortSignal; settled?: (part: readonly Notification[]) => Promise<void> } = {}): Promise<void> {
      for (const { notifications: part, send } of deliveries(notifications)) {
        await limit.take(signal);
        const outcome = await deliver(send, policy, {
          signal,
          onRetry: (reason, waitMs) => {
            retried.inc({ output: name });
            if (!failingSince.has(name)) failingSince.set(name, Date.now());
            log.warn({ reason, retryInMs: Math.round(waitMs), notifications: part.length }, 'notification not delivered; retrying');
          },
        });
        failingSince.delete(name);
        const findings = part.reduce((sum, n) => sum + n.count, 0);
        if (outcome.delivered) {
          sent.inc({ output: name }, findings);
          notificationsSent.inc({ output: name }, part.length);
          const seconds = (Date.now() - since) / 1000;
          for (let i = 0; i < part.length; i++) latency.observe({ output: name }, seconds);
        } else {
          log.error({ reason: outcome.reason, notifications: part.length, findings, attempts: outcome.attempts }, 'notification parked in the DLQ');
          await bus.produce(
            topics.dlq,
            part.map((n) => {
              const f = n.finding;
              return dlqMessage({ key: messageKey(f.cluster, f.user), value: Buffer.from(JSON.stringify(n.grouped ? n : f)), reason: outcome.reason, step: `notify-${name}`, time: new Date().toISOString(), sourceTopic: topics.findings, cluster: f.cluster });
            }),
          );
          parked.inc({ output: name }, findings);
        }
        await settled?.(part);
      }
    }

    const handler = async (batch: Batch): Promise<void> => {
      const arrived = Date.now();
      const singles = new Map<string, Notification>();
      const grouped: Parameters<typeof groups.absorb>[0][number][] = [];
      for (const m of batch.messages) {
        const d = decodeJson(findingParser, m.value, 'a finding');
        // the analyzer's output: a finding that does not parse is its DLQ's business, not a notification
        if (!d.ok) continue;
        const route = routeTo(file.routes, name, d.value);
        if (route === undefined) continue;
        if (route.group === undefined) singles.set(d.value.id, single(d.value));
        else grouped.push({ key: groupKey(name, route.name, d.value), finding: d.value, partition: m.partition, offset: m.offset, windowMs: route.group.windowSeconds * 1000 });
      }
      // grouped findings wait in their windows (on the bus before this batch commits); the rest go now
      await groups.absorb(grouped);
      if (singles.size === 0) return;
      // while an output is retried, the consumer stays in its group; a rebalance that takes the partition
      // ends the retries, and the batch (not committed) goes to the partition's new owner
      const taken = new AbortController();
      const beat = batch.heartbeat;
      const timer =
        beat === undefined
          ? undefined
          : setInterval(() => {
              beat().catch((err: unknown) => {
                log.warn({ err, partition: batch.partition }, 'partition taken by a rebalance while delivering; its new owner delivers the batch');
                taken.abort();
              });
            }, heartbeatMs);
      try {
        await send([...singles.values()], arrived, { signal: AbortSignal.any([abort.signal, taken.signal]) });
      } finally {
        clearInterval(timer);
      }
    };
    return { handler, groups, flush: () => groups.flush((due, settled) => send(due, Date.now(), { settled }), abort.signal) };
  }

  const subscriptions: Subscription[] = [];
  const flushers: Promise<void>[] = [];
  for (const [name, output] of Object.entries(file.outputs)) {
    const o = outputFor(name, output);
    subscriptions.push(
      await bus.consume({
        groupId: `${prefix}notify-${name}`,
        topics: [topics.findings],
        handler: o.handler,
        onAssign: (assignment) => o.groups.assign(assignment.filter((a) => a.topic === topics.findings).map((a) => a.partition)),
      }),
    );
    flushers.push(o.flush());
  }
  logger.info({ outputs: Object.keys(file.outputs), routes: file.routes.map((r) => r.name) }, 'notify delivering findings');
  const stop = async () => {
    // retries in progress end: their batch is not committed, and is delivered again after a restart
    abort.abort();
    await Promise.all([...subscriptions.map((s) => s.stop()), ...flushers]);
  };
  lifecycle.onShutdown('drain', 'notify', stop);
  const stalled = () => {
    const out: string[] = [];
    for (const [name, since] of failingSince) {
      const ms = Date.now() - since;
      if (ms > stalledAfterMs) out.push(`notify output ${name}: delivery failing for ${String(Math.round(ms / 1000))} s`);
    }
    return out;
  };
  return { stalled, stop };
}
