import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { InMessage } from './types.js';
import { cutTornLine, encode, legacyName, openSegment, segmentName, syncDir, type Segment } from './embedded-segment.js';

export { Segment } from './embedded-segment.js';

// One topic of the embedded bus: a directory of segment files, `<base offset, 20 digits>.seg`, appended to
// one at a time (the active segment, the last) and rolled at a size, so whole files can be deleted once every
// consumer is past them, or compacted (the state topic). Offsets are byte positions in the concatenation of
// the segments (a compacted or deleted range leaves a gap readers step over). A record is
// `u32 length | u32 crc32 | u16 key length | key | u32 headers length | headers (JSON) | value`, the
// value's bytes as produced (no base64, no escaping). An append is acknowledged only after fdatasync, so an
// acknowledged batch survives kill -9; a torn or corrupt tail of the active segment (a write that was never
// acknowledged) is cut off on open. A topic written by an older kaudit (`<topic>.log`, one JSON line per
// message, value in base64) becomes the topic's first segment as it is, at offset 0, so committed positions
// stay valid; it is read, never appended to, and deleted like any other segment.
export interface StoredMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/** A stored message as the bus hands it to consumers. */
export function toInMessage(topic: string, offset: number, m: StoredMessage): InMessage {
  return { topic, partition: 0, offset: String(offset), key: m.key, value: m.value, headers: m.headers ?? {} };
}

export interface ReadResult {
  messages: { offset: number; message: StoredMessage }[];
  next: number;
}

export class TopicLog {
  private pending: { data: Buffer; done: (err?: Error) => void }[] = [];
  private writing = false;
  private listeners = new Set<() => void>();
  /** segments replaced or deleted: closed a while later, so readers that hold them can finish */
  private retired: Segment[] = [];
  private rolled = false;

  readonly dir: string;
  private segments: Segment[];
  private readonly segmentBytes: number;

  private constructor(dir: string, segments: Segment[], segmentBytes: number) {
    this.dir = dir;
    this.segments = segments;
    this.segmentBytes = segmentBytes;
  }

  static async open(dir: string, topic: string, { segmentBytes = 64 * 1024 * 1024 }: { segmentBytes?: number } = {}): Promise<TopicLog> {
    const topicDir = path.join(dir, topic);
    mkdirSync(topicDir, { recursive: true, mode: 0o700 });
    const legacy = path.join(dir, `${topic}.log`);
    if (existsSync(legacy)) {
      await cutTornLine(legacy);
      if ((await stat(legacy)).size > 0) await rename(legacy, path.join(topicDir, legacyName(0)));
      else await rm(legacy);
      await syncDir(topicDir);
    }
    const names = (await readdir(topicDir)).filter((n) => /^\d{20}\.(seg|jsonl)$/.test(n)).sort();
    const segments: Segment[] = [];
    for (const name of names) segments.push(await openSegment(topicDir, Number(name.slice(0, 20)), name.endsWith('.jsonl'), false));
    const last = segments.at(-1);
    if (last !== undefined && !last.legacy) {
      // the active segment: cut what a crash left after the last acknowledged record
      await last.fh.close();
      const active = await openSegment(topicDir, last.base, false, true);
      const valid = await active.validLength();
      if (valid !== active.size) {
        await active.fh.truncate(valid);
        await active.fh.datasync();
        active.size = valid;
      }
      segments[segments.length - 1] = active;
    } else {
      segments.push(await openSegment(topicDir, last?.end ?? 0, false, true));
      await syncDir(topicDir);
    }
    return new TopicLog(topicDir, segments, segmentBytes);
  }

  private get active(): Segment {
    const a = this.segments.at(-1);
    if (a === undefined) throw new Error(`topic log ${this.dir} has no segment`);
    return a;
  }

  /** The offset after the last message. */
  get end(): number {
    return this.active.end;
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Segments no longer appended to, oldest first (a snapshot). */
  closedSegments(): Segment[] {
    return this.segments.slice(0, -1);
  }

  /** Every segment, oldest first (a snapshot: a reader keeps reading what it started with). */
  snapshot(): Segment[] {
    return this.segments.slice();
  }

  get rolledSinceCleanup(): boolean {
    return this.rolled;
  }

  /** Has a segment been rolled since the last call (for the bus's cleanup)? */
  takeRolled(): boolean {
    const r = this.rolled;
    this.rolled = false;
    return r;
  }

  append(messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const data = encode(...messages);
    return new Promise((resolve, reject) => {
      this.pending.push({
        data,
        done: (err) => {
          if (err === undefined) resolve();
          else reject(err);
        },
      });
      void this.flush();
    });
  }

  // Group commit: batches queued while one write+sync runs are written and synced together.
  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending;
        this.pending = [];
        const buffers = group.map((g) => g.data);
        const length = buffers.reduce((n, b) => n + b.length, 0);
        try {
          if (this.active.size > 0 && this.active.size + length > this.segmentBytes) await this.roll();
          const active = this.active;
          const { bytesWritten } = await active.fh.writev(buffers, active.size);
          if (bytesWritten !== length) throw new Error(`short write to ${active.file}: ${String(bytesWritten)} of ${String(length)} bytes`);
          await active.fh.datasync();
          active.size += length;
          active.lastWrite = Date.now();
          for (const g of group) g.done();
        } catch (err) {
          for (const g of group) g.done(err as Error);
        }
        for (const l of this.listeners) l();
      }
    } finally {
      this.writing = false;
    }
  }

  private async roll(): Promise<void> {
    const next = await openSegment(this.dir, this.active.end, false, true);
    await syncDir(this.dir);
    this.segments.push(next);
    this.rolled = true;
  }

  /** Messages from `from`, up to about `maxBytes`, stepping over gaps and deleted segments. */
  async read(from: number, maxBytes = 4 * 1024 * 1024): Promise<ReadResult> {
    for (const seg of this.segments) {
      if (from >= seg.end) continue;
      const pos = Math.max(from, seg.base) - seg.base;
      const { messages, next } = await seg.read(pos, maxBytes);
      if (messages.length > 0) return { messages, next: seg.base + next };
    }
    return { messages: [], next: from };
  }

  /** Deletes closed segments `keep` does not keep (oldest first; stops at the first kept one). */
  async deleteWhile(drop: (segment: Segment, bytesFromHere: number) => boolean): Promise<number> {
    let bytes = this.bytes;
    let deleted = 0;
    for (const seg of this.closedSegments()) {
      if (!drop(seg, bytes)) break;
      await rm(seg.file, { force: true });
      this.segments = this.segments.filter((s) => s !== seg);
      this.retire(seg);
      bytes -= seg.size;
      deleted++;
    }
    if (deleted > 0) await syncDir(this.dir);
    return deleted;
  }

  /**
   * Compaction: the closed segments become one holding the last message of each key, minus keys whose last
   * message `isTombstone`; it takes the first one's place (an atomic rename), then the others go. A crash in
   * between leaves segments whose messages the compacted one already summarises: reading them again gives
   * the same last values.
   */
  async compact(isTombstone: (m: StoredMessage) => boolean): Promise<{ before: number; after: number } | undefined> {
    const closed = this.closedSegments();
    const first = closed[0];
    if (first === undefined) return undefined;
    const latest = new Map<string, StoredMessage>();
    for (const seg of closed) {
      let pos = 0;
      for (;;) {
        const { messages, next } = await seg.read(pos, 4 * 1024 * 1024);
        if (messages.length === 0) break;
        for (const { message } of messages) {
          latest.delete(message.key);
          latest.set(message.key, message);
        }
        pos = next;
      }
    }
    const tmp = path.join(this.dir, `${segmentName(first.base)}.compacting`);
    const fh = await open(tmp, 'w', 0o600);
    let size = 0;
    try {
      let chunk: Buffer[] = [];
      let chunkBytes = 0;
      for (const m of latest.values()) {
        if (isTombstone(m)) continue;
        const r = encode(m);
        chunk.push(r);
        chunkBytes += r.length;
        if (chunkBytes >= 1024 * 1024) {
          await fh.write(Buffer.concat(chunk));
          size += chunkBytes;
          chunk = [];
          chunkBytes = 0;
        }
      }
      if (chunkBytes > 0) await fh.write(Buffer.concat(chunk));
      size += chunkBytes;
      await fh.datasync();
    } finally {
      await fh.close();
    }
    const before = closed.reduce((n, s) => n + s.size, 0);
    const target = path.join(this.dir, segmentName(first.base));
    await rename(tmp, target);
    if (first.legacy) await rm(first.file, { force: true });
    for (const seg of closed.slice(1)) await rm(seg.file, { force: true });
    await syncDir(this.dir);
    const compacted = await openSegment(this.dir, first.base, false, false);
    this.segments = [compacted, ...this.segments.slice(closed.length)];
    for (const seg of closed) this.retire(seg);
    return { before, after: size };
  }

  private retire(seg: Segment): void {
    this.retired.push(seg);
    setTimeout(() => {
      this.retired = this.retired.filter((s) => s !== seg);
      void seg.fh.close().catch(() => undefined);
    }, 60_000).unref();
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const s of [...this.segments, ...this.retired]) await s.fh.close().catch(() => undefined);
    this.retired = [];
  }
}
