import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand, type LogStream, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { Counter, Gauge } from 'prom-client';
import { z } from 'zod';
import type { EksLogGroup, EksSourceConfig } from '#shared/config';
import { defaultEventLimits, parsedOrText } from '#shared/contracts';
import { errorMessage } from '#shared/errors';
import { acceptBatch } from '../accept-batch.js';
import { checkpointMessage, readCheckpoints } from './checkpoints.js';
import type { PullSource, SourceDeps } from './source.js';

// The EKS pull source: reads each configured log group's audit streams (kube-apiserver-audit-…, one per API
// server instance) through the CloudWatch Logs API, stream by stream with GetLogEvents in the stream's
// order. Each page of events goes the webhook's way (acceptBatch: validated, redacted, enveloped, to
// `events`; what is not an event to the DLQ with the reason), attributed to the group's cluster; then the
// group's checkpoint goes to the `sources` topic. A stream's position is the timestamp of the last event read
// and how many events of that millisecond were read (`t`, `n`): reading resumes at `t`, passing over the `n`
// already read, so a restart (even after kill -9) neither skips an event nor (past the store, which stores a
// repeated event once) duplicates one. A stream whose last ingestion time has not moved since it was read to
// its end is not read again.

const position = z.object({ t: z.number().int().nonnegative(), n: z.number().int().nonnegative(), ingested: z.number().int().optional() });
type Position = z.infer<typeof position>;
const checkpointSchema = z.object({
  version: z.literal(1),
  logGroup: z.string(),
  /** where a stream the checkpoint does not know yet is read from (ms since the epoch; 0: its beginning) */
  origin: z.number().int().nonnegative(),
  streams: z.record(z.string(), position),
});
type Checkpoint = z.infer<typeof checkpointSchema>;

/** pages read from one stream before the next stream's turn (the rest on the next round, at once) */
const pagesPerTurn = 20;

export function eksCheckpointKey(region: string, logGroup: string): string {
  return `eks/${region}${logGroup}`;
}

export async function startEksSource({
  config,
  bus,
  topics,
  logger,
  redaction,
  limits = defaultEventLimits,
  now = () => new Date(),
  registry,
  client: given,
}: SourceDeps<EksSourceConfig> & { client?: CloudWatchLogsClient }): Promise<PullSource> {
  const registers = registry === undefined ? [] : [registry];
  const records = new Counter({
    name: 'kaudit_ingest_eks_records_total',
    help: 'Log events read from the EKS clusters’ CloudWatch log groups, by cluster and outcome (accepted, rejected: to the DLQ)',
    labelNames: ['cluster', 'outcome'] as const,
    registers,
  });
  const failures = new Counter({ name: 'kaudit_ingest_eks_poll_failures_total', help: 'Polls of an EKS log group that failed (retried at the next poll)', labelNames: ['cluster'] as const, registers });
  const newest = new Gauge({ name: 'kaudit_ingest_eks_newest_event_seconds', help: 'Timestamp of the newest log event read from the EKS cluster’s log group (unix seconds)', labelNames: ['cluster'] as const, registers });

  const client = given ?? new CloudWatchLogsClient({ region: config.region, maxAttempts: 5, ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }) });
  const abort = new AbortController();
  const signal = abort.signal;

  // the last checkpoint of each group that is durably on the bus
  const stored = await readCheckpoints(bus, topics.sources);
  const durable = new Map<string, Checkpoint>();
  for (const group of config.groups) {
    const key = eksCheckpointKey(config.region, group.name);
    const value = stored.get(key);
    const parsed = checkpointSchema.safeParse(value);
    if (parsed.success) {
      durable.set(group.name, parsed.data);
      continue;
    }
    if (value !== undefined) logger.error({ key, reason: parsed.error.issues[0]?.message }, 'EKS checkpoint unreadable: the log group is read as on a first start');
    const origin = config.start === 'beginning' ? 0 : config.start === 'now' ? now().getTime() : config.start.getTime();
    const first: Checkpoint = { version: 1, logGroup: group.name, origin, streams: {} };
    // written before anything is read, so a restart keeps this start ('now' means the first start)
    await bus.produce(topics.sources, [checkpointMessage(key, first)]);
    durable.set(group.name, first);
  }

  async function streamsOf(group: EksLogGroup): Promise<LogStream[]> {
    const out: LogStream[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new DescribeLogStreamsCommand({ logGroupName: group.name, logStreamNamePrefix: config.streamPrefix, nextToken }), { abortSignal: signal });
      out.push(...(page.logStreams ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && !signal.aborted);
    return out;
  }

  async function save(group: EksLogGroup, checkpoint: Checkpoint): Promise<void> {
    await bus.produce(topics.sources, [checkpointMessage(eksCheckpointKey(config.region, group.name), checkpoint)]);
    durable.set(group.name, structuredClone(checkpoint));
  }

  /** One page's new events through to the bus; the stream's position moved past them. */
  async function accept(group: EksLogGroup, events: OutputLogEvent[]): Promise<void> {
    const outcome = await acceptBatch({ items: events.map((e) => parsedOrText(e.message ?? '')), cluster: group.cluster, tls: true, bus, topics, now: now(), limits, redaction });
    records.inc({ cluster: group.cluster, outcome: 'accepted' }, outcome.accepted);
    records.inc({ cluster: group.cluster, outcome: 'rejected' }, outcome.rejected);
    const last = events.reduce((t, e) => Math.max(t, e.timestamp ?? 0), 0);
    if (last > 0) newest.set({ cluster: group.cluster }, last / 1000);
  }

  /**
   * Reads one stream from its position, up to `pagesPerTurn` pages; the checkpoint after each page with
   * events. True when the stream was read to its end.
   */
  async function readStream(group: EksLogGroup, checkpoint: Checkpoint, stream: LogStream): Promise<boolean> {
    const name = stream.logStreamName ?? '';
    const at: Position = checkpoint.streams[name] ?? { t: checkpoint.origin, n: 0 };
    // the events of millisecond `t` already read come first: passed over
    let skip = at.n;
    const skipAt = at.t;
    const startTime = at.t > 0 ? at.t : undefined;
    let token: string | undefined;
    for (let page = 0; page < pagesPerTurn && !signal.aborted; page++) {
      const got = await client.send(new GetLogEventsCommand({ logGroupName: group.name, logStreamName: name, startFromHead: true, startTime, nextToken: token, limit: config.pageEvents }), { abortSignal: signal });
      const fresh: OutputLogEvent[] = [];
      for (const e of got.events ?? []) {
        const t = e.timestamp ?? 0;
        if (skip > 0 && t === skipAt) {
          skip--;
          continue;
        }
        skip = 0;
        fresh.push(e);
        if (t === at.t) at.n++;
        else if (t > at.t) {
          at.t = t;
          at.n = 1;
        }
      }
      logger.debug({ logGroup: group.name, logStream: name, events: got.events?.length ?? 0, fresh: fresh.length, position: at }, 'EKS page');
      if (fresh.length > 0) {
        await accept(group, fresh);
        // (a known stream's position is `at` itself, its ingestion time kept)
        checkpoint.streams[name] = at;
        await save(group, checkpoint);
      }
      // the end of the stream: the same token back
      if (got.nextForwardToken === undefined || got.nextForwardToken === token) return true;
      token = got.nextForwardToken;
    }
    return false;
  }

  /** One round over a group's streams; true when a stream has more to read at once. */
  async function pollGroup(group: EksLogGroup): Promise<boolean> {
    const checkpoint = structuredClone(durable.get(group.name) ?? { version: 1 as const, logGroup: group.name, origin: 0, streams: {} });
    const streams = await streamsOf(group);
    let more = false;
    let changed = false;
    for (const stream of streams) {
      if (signal.aborted) return false;
      const name = stream.logStreamName;
      if (name === undefined) continue;
      const known = checkpoint.streams[name];
      const ingested = stream.lastIngestionTime;
      if (known?.ingested !== undefined && ingested !== undefined && ingested <= known.ingested) continue;
      const ended = await readStream(group, checkpoint, stream);
      if (!ended) {
        more = true;
        continue;
      }
      // read to its end as of `ingested` (taken before reading: what came in meanwhile moves it again)
      if (ingested !== undefined) {
        checkpoint.streams[name] = { ...(checkpoint.streams[name] ?? { t: checkpoint.origin, n: 0 }), ingested };
        changed = true;
      }
    }
    // streams the group no longer has (expired by its retention) leave the checkpoint
    const listed = new Set(streams.map((s) => s.logStreamName));
    for (const name of Object.keys(checkpoint.streams)) {
      if (!listed.has(name)) {
        Reflect.deleteProperty(checkpoint.streams, name);
        changed = true;
      }
    }
    if (changed && !signal.aborted) await save(group, checkpoint);
    return more;
  }

  const failing = new Map<string, string>();
  let wake: (() => void) | undefined;
  // a function: the flag changes while the loop awaits
  const stopped = () => signal.aborted;
  async function loop(): Promise<void> {
    while (!stopped()) {
      let more = false;
      for (const group of config.groups) {
        if (stopped()) break;
        try {
          more = (await pollGroup(group)) || more;
          if (failing.delete(group.name)) logger.info({ logGroup: group.name, cluster: group.cluster }, 'EKS log group read again');
        } catch (err) {
          if (stopped()) break;
          failures.inc({ cluster: group.cluster });
          const reason = errorMessage(err);
          // said once per kind of failure, not once per poll
          if (failing.get(group.name) !== reason) logger.warn({ logGroup: group.name, cluster: group.cluster, region: config.region, reason }, 'EKS log group could not be read; retrying at every poll (nothing read is lost)');
          failing.set(group.name, reason);
        }
      }
      if (!more && !stopped()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  const running = loop();
  logger.info({ region: config.region, logGroups: config.groups.map((g) => g.name), endpoint: config.endpoint, pollMs: config.pollMs }, 'EKS source reading its log groups');
  return {
    async stop() {
      abort.abort();
      wake?.();
      await running;
      if (given === undefined) client.destroy();
    },
  };
}
