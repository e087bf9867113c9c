import { createHash } from 'node:crypto';
import { z } from 'zod';
import { findingSchema, type Finding } from '#shared/contracts';
import { sampleIds, type Notification } from './notification.js';

// Grouping's state, one entry per group key (output, route, rule, cluster, user): the windows not yet
// delivered (the open one last) and, per findings partition, the highest offset absorbed — a message
// delivered again after a crash (its batch was absorbed but not committed) is recognised and not counted
// twice. A window opens with the first finding of its key and closes `windowMs` later (by notify's clock);
// it is then due, and stays in the state until it is delivered or parked. The entries are kept on the
// compacted `notify` topic (see grouping.ts), so a restart goes on with the same windows and the same ids.

const windowSchema = z.object({
  id: z.string(),
  opened: z.number(),
  closes: z.number(),
  count: z.number().int().positive(),
  first: z.string(),
  last: z.string(),
  finding: findingSchema,
  findingIds: z.array(z.string()),
});
const entrySchema = z.object({
  partition: z.number().int().nonnegative(),
  offsets: z.record(z.string(), z.string().regex(/^\d+$/)),
  updated: z.number(),
  windows: z.array(windowSchema),
});
type Window = z.infer<typeof windowSchema>;
type Entry = z.infer<typeof entrySchema>;

export interface Due {
  key: string;
  notification: Notification;
}

/** The key of a finding's group: its output and route, its rule and its identity. */
export function groupKey(output: string, route: string, f: Finding): string {
  return JSON.stringify([output, route, f.ruleId, f.cluster, f.user]);
}

/** The output a group key belongs to (undefined: not a group key). */
export function outputOfKey(key: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(key);
    return Array.isArray(parsed) && parsed.length === 5 && typeof parsed[0] === 'string' ? parsed[0] : undefined;
  } catch {
    return undefined;
  }
}

const groupId = (key: string, opened: number) => `g-${createHash('sha256').update(`${key}\n${String(opened)}`).digest('hex').slice(0, 32)}`;
const notificationOf = (w: Window): Notification => ({ id: w.id, finding: w.finding, count: w.count, first: w.first, last: w.last, findingIds: w.findingIds, grouped: true });

export class Groups {
  private readonly entries = new Map<string, Entry>();
  private owned = new Set<number>();

  get size(): number {
    return this.entries.size;
  }

  /** Adds a finding to its key's open window (or opens one); false when the message was absorbed before. */
  absorb(key: string, f: Finding, at: { partition: number; offset: string }, now: number, windowMs: number): boolean {
    let e = this.entries.get(key);
    const seen = e?.offsets[String(at.partition)];
    if (seen !== undefined && BigInt(at.offset) <= BigInt(seen)) return false;
    if (e === undefined) {
      e = { partition: at.partition, offsets: {}, updated: now, windows: [] };
      this.entries.set(key, e);
    }
    e.partition = at.partition;
    e.offsets[String(at.partition)] = at.offset;
    e.updated = now;
    const open = e.windows.at(-1);
    if (open !== undefined && open.closes > now) {
      open.count += 1;
      if (f.eventTime < open.first) open.first = f.eventTime;
      if (f.eventTime > open.last) open.last = f.eventTime;
      if (open.findingIds.length < sampleIds) open.findingIds.push(f.id);
    } else {
      e.windows.push({ id: groupId(key, now), opened: now, closes: now + windowMs, count: 1, first: f.eventTime, last: f.eventTime, finding: f, findingIds: [f.id] });
    }
    return true;
  }

  /** The windows closed by `now`, earliest first. */
  due(now: number): Due[] {
    const out: (Due & { closes: number })[] = [];
    for (const [key, e] of this.entries) for (const w of e.windows) if (w.closes <= now) out.push({ key, notification: notificationOf(w), closes: w.closes });
    return out.sort((a, b) => a.closes - b.closes).map(({ key, notification }) => ({ key, notification }));
  }

  /** When the next window closes (undefined: none open). */
  nextClose(): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) for (const w of e.windows) if (next === undefined || w.closes < next) next = w.closes;
    return next;
  }

  /** The windows open or due, and how many findings they hold. */
  waiting(): { windows: number; findings: number } {
    let windows = 0;
    let findings = 0;
    for (const e of this.entries.values()) {
      windows += e.windows.length;
      for (const w of e.windows) findings += w.count;
    }
    return { windows, findings };
  }

  /** A window delivered or parked leaves the state. */
  done(key: string, id: string): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.windows = e.windows.filter((w) => w.id !== id);
  }

  /** The key's entry as the notify topic stores it (undefined: not held here). */
  value(key: string): Buffer | undefined {
    const e = this.entries.get(key);
    return e === undefined ? undefined : Buffer.from(JSON.stringify(e));
  }

  /**
   * Keys with no window left and nothing absorbed for `idleMs`: they leave the state (their offsets are
   * long committed), and the caller writes their tombstones.
   */
  idle(now: number, idleMs: number): string[] {
    const gone: string[] = [];
    for (const [key, e] of this.entries) {
      if (e.windows.length === 0 && now - e.updated >= idleMs) {
        this.entries.delete(key);
        gone.push(key);
      }
    }
    return gone;
  }

  /**
   * Takes the partitions this output now owns: entries of partitions it no longer owns leave, and those of
   * partitions it did not own before come from the notify topic's last values (`stored`, by key; entries of
   * partitions it kept stay as they are in memory, which is never behind the topic). Returns the keys whose
   * stored value could not be read.
   */
  assign(stored: ReadonlyMap<string, Buffer>, owned: ReadonlySet<number>): string[] {
    const gained = new Set([...owned].filter((p) => !this.owned.has(p)));
    this.owned = new Set(owned);
    for (const [key, e] of this.entries) if (!owned.has(e.partition)) this.entries.delete(key);
    const unreadable: string[] = [];
    for (const [key, value] of stored) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value.toString('utf8'));
      } catch {
        unreadable.push(key);
        continue;
      }
      if (parsed === null) continue;
      const e = entrySchema.safeParse(parsed);
      if (!e.success) unreadable.push(key);
      else if (gained.has(e.data.partition)) this.entries.set(key, e.data);
    }
    return unreadable;
  }
}
