import { chmodSync, mkdirSync } from 'node:fs';
import { open, rename, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '#shared/logging';
import { KauditError, errorCodes } from '#shared/errors';
import { TopicLog, toInMessage } from './embedded-log.js';
import type { Bus, ConsumeOptions, InMessage, OutMessage, Subscription } from './types.js';

// The embedded bus for `npm start`: same interface as Kafka, one partition per topic, durable files
// under the data directory, committed positions per consumer group. Restart resumes from them.
export function createEmbeddedBus({ dir, topics, logger }: { dir: string; topics: string[]; logger: Logger }): Bus {
  const logs = new Map<string, TopicLog>();
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

  /** The log of a topic from its beginning to its end when the read starts. */
  async function* readLog(topic: string): AsyncGenerator<InMessage> {
    const l = log(topic);
    const end = l.end;
    let from = 0;
    while (from < end) {
      const { messages, next } = await l.read(from);
      for (const { offset, message } of messages) if (offset < end) yield toInMessage(topic, offset, message);
      from = next;
    }
  }

  return {
    kind: 'embedded',
    async start() {
      mkdirSync(path.join(dir, 'offsets'), { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      for (const t of topics) logs.set(t, await TopicLog.open(dir, t));
      ready = true;
    },
    async produce(topic: string, messages: OutMessage[]) {
      if (closed) throw new KauditError(errorCodes.busClosed, 'bus is closed', { retriable: true });
      await log(topic).append(
        messages.map((m) => ({
          k: m.key,
          v: m.value.toString('base64'),
          ...(m.headers && Object.keys(m.headers).length > 0 ? { h: m.headers } : {}),
        })),
      );
    },
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
      for (const s of [...subscriptions]) await s.stop();
      for (const l of logs.values()) await l.close();
      logs.clear();
    },
  };
}
