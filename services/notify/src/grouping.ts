import type { Bus, OutMessage } from '#shared/bus';
import type { Finding } from '#shared/contracts';
import type { Logger } from '#shared/logging';
import { DeliveryInterrupted, sleep } from './deliver.js';
import { Groups, outputOfKey, type Due } from './groups.js';
import type { Notification } from './notification.js';

// One output's grouping on the bus: the windows' state (groups.ts) is written to the compacted `notify`
// topic before the batch that filled it is committed, and read back from it when the output's consumer is
// given partitions (at start, after a rebalance). A flusher delivers each window once it closes and then
// writes its key again without it: a crash before that write delivers the window again, under the same id.
// Writes are serialised, so the topic's last value of a key is always its latest state.

/** Keys with nothing open and nothing absorbed for a day leave the topic. */
const idleMs = 24 * 3600_000;
const idleCheckMs = 10 * 60_000;

export interface Grouping {
  /** Adds a batch's grouped findings; resolves once their windows' state is on the bus. */
  absorb(items: readonly { key: string; finding: Finding; partition: number; offset: string; windowMs: number }[]): Promise<void>;
  /** The consumer's partitions of the findings topic changed: take the state of the ones gained. */
  assign(partitions: readonly number[]): Promise<void>;
  /** Delivers closed windows until `signal` aborts (then resolves). */
  flush(settle: (due: Notification[], settled: (part: readonly Notification[]) => Promise<void>) => Promise<void>, signal: AbortSignal): Promise<void>;
  /** The windows open or waiting to be delivered, and how many findings they hold. */
  waiting(): { windows: number; findings: number };
}

export function grouping({ output, bus, topic, logger, now }: { output: string; bus: Bus; topic: string; logger: Logger; now: () => number }): Grouping {
  const groups = new Groups();
  const dirty = new Set<string>();
  /** keys that left the state: their tombstone (JSON null) is written */
  const gone = new Set<string>();
  let chain: Promise<unknown> = Promise.resolve();

  /** Writes the latest state of `keys` (and of any key an earlier failed write left); serialised. */
  function write(keys: Iterable<string>): Promise<void> {
    for (const k of keys) dirty.add(k);
    const p = chain.then(async () => {
      const taken = [...dirty];
      dirty.clear();
      if (taken.length === 0) return;
      const messages: OutMessage[] = [];
      for (const key of taken) {
        // a key of a partition no longer owned is the new owner's to write
        const value = groups.value(key) ?? (gone.has(key) ? Buffer.from('null') : undefined);
        if (value !== undefined) messages.push({ key, value });
      }
      try {
        await bus.produce(topic, messages);
        for (const k of taken) gone.delete(k);
      } catch (err) {
        for (const k of taken) dirty.add(k);
        throw err;
      }
    });
    chain = p.catch(() => undefined);
    return p;
  }

  /** deliver.ts's wait, ended early (not failed) by shutdown: the loop then sees the signal and returns */
  const pause = (ms: number, signal: AbortSignal) => sleep(ms, signal).catch(() => undefined);

  return {
    async absorb(items) {
      const touched = new Set<string>();
      const at = now();
      for (const it of items) if (groups.absorb(it.key, it.finding, { partition: it.partition, offset: it.offset }, at, it.windowMs)) touched.add(it.key);
      // even with nothing new: what a failed write left must be on the bus before this batch commits
      if (touched.size > 0 || dirty.size > 0) await write(touched);
    },

    async assign(partitions) {
      const stored = new Map<string, Buffer>();
      for (const m of await bus.readAll(topic)) if (outputOfKey(m.key) === output) stored.set(m.key, m.value);
      const unreadable = groups.assign(stored, new Set(partitions));
      for (const key of unreadable) logger.warn({ key }, 'unreadable grouping state skipped');
      logger.info({ partitions, keys: groups.size, ...groups.waiting() }, 'grouping state restored');
    },

    async flush(settle, signal) {
      let nextIdleCheck = now() + idleCheckMs;
      while (!signal.aborted) {
        try {
          if (dirty.size > 0) await write([]);
          const due: Due[] = groups.due(now());
          if (due.length > 0) {
            const keyOf = new Map(due.map((d) => [d.notification.id, d.key]));
            await settle(
              due.map((d) => d.notification),
              async (part) => {
                const keys = part.map((n) => keyOf.get(n.id) ?? '');
                part.forEach((n, i) => {
                  groups.done(keys[i] ?? '', n.id);
                });
                await write(keys);
              },
            );
          }
          if (now() >= nextIdleCheck) {
            nextIdleCheck = now() + idleCheckMs;
            const idle = groups.idle(now(), idleMs);
            for (const k of idle) gone.add(k);
            if (idle.length > 0) await write(idle);
          }
        } catch (err) {
          if (err instanceof DeliveryInterrupted) return;
          logger.error({ err }, 'grouped notifications not settled; trying again');
          await pause(1000, signal);
        }
        const next = groups.nextClose();
        await pause(Math.min(1000, Math.max(20, (next ?? Number.POSITIVE_INFINITY) - now())), signal);
      }
    },

    waiting() {
      return groups.waiting();
    },
  };
}
