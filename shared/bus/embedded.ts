import { chmodSync, mkdirSync } from 'node:fs';
import { open, readdir, rename, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '#shared/logging';
import { KauditError, errorCodes } from '#shared/errors';
import { TopicLog, toInMessage, type Segment, type StoredMessage } from './embedded-log.js';
import type { Bus, ConsumeOptions, InMessage, OutMessage, Subscription } from './types.js';

/**
 * What the embedded bus keeps of a topic (absent: everything). Segments every consumer group reading the
 * topic has committed past may go: at once (`consumed`), or once older than `keepMs` or beyond `keepBytes`
 * (`retained`: events, kept for replay; the DLQ, which no group reads, by time and size alone). `compacted`:
 * closed segments are compacted to the last message of each key (the state topic).
 */
export type TopicPolicy =
  | { kind: 'consumed' }
  | { kind: 'retained'; keepMs: number; keepBytes: number; requireConsumed: boolean }
  | { kind: 'compacted'; isTombstone: (m: StoredMessage) => boolean };

export interface EmbeddedBusOptions {
  dir: string;
  topics: string[];
  logger: Logger;
  /** per topic; topics without one keep everything */
  policies?: Record<string, TopicPolicy>;
  /** a segment file rolls over at this size (default 64 MiB) */
  segmentBytes?: number;
  /** how often segments are deleted and compacted (default 30 s; also after a segment rolls) */
  cleanupIntervalMs?: number;
  now?: () => number;
}

// The embedded bus for `npm start`: same interface as Kafka, one partition per topic, durable files
// under the data directory, committed positions per consumer group. Restart resumes from them.
export function createEmbeddedBus({ dir, topics, logger, policies = {}, segmentBytes, cleanupIntervalMs = 30_000, now = Date.now }: EmbeddedBusOptions): Bus {
  const logs = new Map<string, TopicLog>();
  /** group → topic → committed offset, as in the offsets files */
  const committed = new Map<string, Record<string, number>>();
  let cleanupTimer: NodeJS.Timeout | undefined;
  let cleaning: Promise<void> | undefined;
  const subscriptions = new Set<Subscription>();
  let ready = false;
  let closed = false;

  const log = (topic: string): TopicLog => {
    const l = logs.get(topic);
    if (!l) throw new KauditError(errorCodes.busClosed, `unknown topic ${topic}`);
    return l;
  };

  const offsetsFile = (groupId: string) => path.join(dir, 'offsets', `${groupId}.json`);

  async function loadOffsets(groupId: string): Promise<Record<string, number>> {
    try {
      return JSON.parse(await readFile(offsetsFile(groupId), 'utf8')) as Record<string, number>;
    } catch {
      return {};
    }
  }

  async function saveOffsets(groupId: string, offsets: Record<string, number>): Promise<void> {
    committed.set(groupId, { ...offsets });
    const file = offsetsFile(groupId);
    const tmp = `${file}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(offsets));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  }

  /** The log of a topic from its beginning to its end when the read starts (the segments of that moment). */
  async function* readLog(topic: string): AsyncGenerator<InMessage> {
    const l = log(topic);
    const end = l.end;
    for (const seg of l.snapshot()) {
      let pos = 0;
      for (;;) {
        const { messages, next } = await seg.read(pos, 4 * 1024 * 1024);
        if (messages.length === 0) break;
        for (const { offset, message } of messages) if (offset < end) yield toInMessage(topic, offset, message);
        pos = next;
      }
    }
  }

  /** The lowest position committed by the groups that read `topic`; undefined when none does. */
  function consumedUpTo(topic: string): number | undefined {
    let low: number | undefined;
    for (const offsets of committed.values()) {
      const o = offsets[topic];
      if (o !== undefined) low = low === undefined ? o : Math.min(low, o);
    }
    return low;
  }

  /** Deletes what the policies let go and compacts what they compact. */
  async function cleanup(): Promise<void> {
    for (const [topic, l] of logs) {
      const policy = policies[topic];
      const rolled = l.takeRolled();
      if (policy === undefined) continue;
      try {
        if (policy.kind === 'compacted') {
          // compacting again only pays once the closed segments outgrow what the last compaction left
          const closed = l.closedSegments();
          if (closed.length >= 2 || (closed.length === 1 && (rolled || closed[0]?.legacy === true))) {
            const r = await l.compact(policy.isTombstone);
            if (r !== undefined) logger.info({ topic, before: r.before, after: r.after }, 'embedded bus: topic compacted');
          }
          continue;
        }
        const upTo = consumedUpTo(topic);
        const consumed = (seg: Segment) => upTo !== undefined && seg.end <= upTo;
        const deleted = await l.deleteWhile((seg, bytesFromHere) => {
          if (policy.kind === 'consumed') return consumed(seg);
          if (policy.requireConsumed && !consumed(seg)) return false;
          return bytesFromHere > policy.keepBytes || now() - seg.lastWrite > policy.keepMs;
        });
        if (deleted > 0) logger.debug({ topic, deleted }, 'embedded bus: segments deleted');
      } catch (err) {
        logger.warn({ err, topic }, 'embedded bus: cleanup failed; retried later');
      }
    }
  }

  function scheduleCleanup(): void {
    cleaning ??= cleanup().finally(() => {
      cleaning = undefined;
    });
  }

  return {
    kind: 'embedded',
    async start() {
      mkdirSync(path.join(dir, 'offsets'), { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      for (const t of topics) logs.set(t, await TopicLog.open(dir, t, segmentBytes === undefined ? {} : { segmentBytes }));
      for (const name of await readdir(path.join(dir, 'offsets'))) {
        if (name.endsWith('.json')) committed.set(name.slice(0, -5), await loadOffsets(name.slice(0, -5)));
      }
      if (Object.keys(policies).length > 0) {
        cleanupTimer = setInterval(scheduleCleanup, cleanupIntervalMs);
        cleanupTimer.unref();
        scheduleCleanup();
      }
      ready = true;
    },
    async produce(topic: string, messages: OutMessage[]) {
      if (closed) throw new KauditError(errorCodes.busClosed, 'bus is closed', { retriable: true });
      const l = log(topic);
      await l.append(messages.map((m) => ({ key: m.key, value: m.value, ...(m.headers && Object.keys(m.headers).length > 0 ? { headers: m.headers } : {}) })));
      if (l.rolledSinceCleanup && Object.keys(policies).length > 0) scheduleCleanup();
    },
    // one partition per topic: a message's `partition` (always 0 here) needs no handling
    partitions: () => Promise.resolve(1),
    async consume({ groupId, topics: wanted, handler, positionOf, onAssign }: ConsumeOptions) {
      const offsets = await loadOffsets(groupId);
      if (positionOf) {
        for (const topic of wanted) {
          const stored = await positionOf(topic, 0);
          if (stored !== undefined) offsets[topic] = Number(stored);
        }
      }
      // One consumer owns every partition (there is one, 0) for as long as it runs.
      await onAssign?.(wanted.map((topic) => ({ topic, partition: 0 })));
      const state = { running: true };
      const running = () => state.running;
      let wake: (() => void) | undefined;
      const unsubscribe = wanted.map((t) =>
        log(t).onAppend(() => {
          wake?.();
        }),
      );
      const loop = (async () => {
        while (running()) {
          let progressed = false;
          for (const topic of wanted) {
            const from = offsets[topic] ?? 0;
            const { messages, next } = await log(topic).read(from);
            if (messages.length === 0) continue;
            const batch: InMessage[] = messages.map(({ offset, message }) => toInMessage(topic, offset, message));
            for (;;) {
              try {
                await handler({ topic, partition: 0, messages: batch, next: String(next), highWatermark: String(log(topic).end) });
                break;
              } catch (err) {
                // Infrastructure failure: never skip, retry the same batch after a pause.
                logger.error({ err, topic, groupId }, 'batch handler failed; retrying');
                if (!running()) return;
                await new Promise((r) => setTimeout(r, 1000));
              }
            }
            offsets[topic] = next;
            await saveOffsets(groupId, offsets);
            progressed = true;
          }
          if (!progressed && running()) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              // also re-check periodically in case a notification raced with the read
              setTimeout(resolve, 500).unref();
            });
            wake = undefined;
          }
        }
      })().catch((err: unknown) => {
        logger.fatal({ err, groupId }, 'embedded consumer stopped');
      });
      const sub: Subscription = {
        async stop() {
          state.running = false;
          wake?.();
          for (const u of unsubscribe) u();
          await loop;
          subscriptions.delete(sub);
        },
      };
      subscriptions.add(sub);
      return sub;
    },
    async readAll(topic: string) {
      const out: InMessage[] = [];
      for await (const m of readLog(topic)) out.push(m);
      return out;
    },
    readRange(topic: string) {
      return Promise.resolve({ partitions: [{ partition: 0, messages: readLog(topic) }], close: () => Promise.resolve() });
    },
    isReady: () => ready && !closed,
    async close() {
      closed = true;
      ready = false;
      if (cleanupTimer) clearInterval(cleanupTimer);
      await cleaning;
      for (const s of [...subscriptions]) await s.stop();
      for (const l of logs.values()) await l.close();
      logs.clear();
    },
  };
}
