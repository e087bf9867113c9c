import { Heap } from 'heap-js';
import type { AuditEvent } from '#shared/contracts';
import type { EventTime } from '#shared/engine';

// Event-time order for replay: each input through a bounded reorder buffer, then a k-way merge of the
// inputs; ties broken by content, so the same inputs in any order give the same sequence.
export interface Pending {
  event: AuditEvent;
  cluster: string;
  /** how ingest received it (files: taken as TLS, there is no transport to judge) */
  tls: boolean;
  /** when ingest received it (events topic), else the event's own time */
  receivedAt: string | undefined;
  /** millisecond ISO time, as the engine computes it */
  time: string;
  /** sort key with the timestamp's full precision (audit logs carry microseconds) */
  key: string;
  source: string;
  line: number;
  index: number;
  /** the event's JSON text as read (a JSON line holding just this event) */
  text: string | undefined;
}

const utcFraction = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/** The event's time (see eventTime) as text sortable to the nanosecond. */
export function sortKey(event: AuditEvent, { time, from }: EventTime): string {
  const raw = from === undefined ? undefined : event[from];
  const m = typeof raw === 'string' ? utcFraction.exec(raw) : null;
  if (m) return `${m[1] ?? ''}.${(m[2] ?? '').padEnd(9, '0')}Z`;
  return `${time.slice(0, 23)}000000Z`;
}

export const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Event-time order with ties broken by content, never by the order inputs were given in: time, auditID,
 * stage, then the input's name and position. The same inputs in any order give the same sequence.
 */
function byEventTime(a: Pending, b: Pending): number {
  return (
    cmp(a.key, b.key) ||
    cmp(a.event.auditID ?? "", b.event.auditID ?? '') ||
    cmp(a.event.stage ?? "", b.event.stage ?? '') ||
    cmp(a.source, b.source) ||
    cmp(a.line, b.line) ||
    cmp(a.index, b.index)
  );
}

/**
 * One input in event-time order, through a bounded reorder buffer. Events that arrive in order (nearly all:
 * kube-apiserver writes an event when its stage completes) wait in a plain queue; only late ones go through
 * a heap. The next event out is the earlier of the queue's head and the heap's top.
 */
export async function* reordered(events: AsyncIterable<Pending>, window: number, onOutOfOrder: () => void): AsyncGenerator<Pending> {
  const late = new Heap<Pending>(byEventTime);
  let queue: Pending[] = [];
  let head = 0;
  let last: Pending | undefined;
  const size = () => queue.length - head + late.size();
  const next = (): Pending => {
    const q = queue[head];
    const h = late.peek();
    let p: Pending;
    if (q !== undefined && (h === undefined || byEventTime(q, h) <= 0)) {
      p = q;
      if (++head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
    } else {
      p = late.pop() as Pending;
    }
    if (last !== undefined && byEventTime(p, last) < 0) onOutOfOrder();
    last = p;
    return p;
  };
  for await (const p of events) {
    const tail = head < queue.length ? queue[queue.length - 1] : undefined;
    if (tail === undefined || byEventTime(tail, p) <= 0) queue.push(p);
    else late.push(p);
    if (size() > window) yield next();
  }
  while (size() > 0) yield next();
}

/** A k-way merge of inputs that are each in event-time order. */
export async function* merged(inputs: AsyncIterator<Pending>[]): AsyncGenerator<Pending> {
  const heap = new Heap<{ p: Pending; from: AsyncIterator<Pending> }>((a, b) => byEventTime(a.p, b.p));
  const heads = await Promise.all(inputs.map(async (from) => ({ from, r: await from.next() })));
  for (const { from, r } of heads) if (r.done !== true) heap.push({ p: r.value, from });
  while (heap.size() > 0) {
    const top = heap.pop() as { p: Pending; from: AsyncIterator<Pending> };
    yield top.p;
    const r = await top.from.next();
    if (r.done !== true) heap.push({ p: r.value, from: top.from });
  }
}
