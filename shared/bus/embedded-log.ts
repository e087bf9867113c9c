import { open, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { InMessage } from './types.js';

// One append-only file per topic, one JSON line per message. An append is acknowledged only after
// fdatasync, so an acknowledged batch survives kill -9. A torn last line (crash mid-write, never
// acknowledged) is cut off when the file is opened again. Offsets are byte positions.
export interface StoredMessage {
  k: string;
  v: string; // base64: the DLQ must keep bytes that are not UTF-8
  h?: Record<string, string>;
}

/** A stored line as the bus hands it to consumers. */
export function toInMessage(topic: string, offset: number, m: StoredMessage): InMessage {
  return { topic, partition: 0, offset: String(offset), key: m.k, value: Buffer.from(m.v, 'base64'), headers: m.h ?? {} };
}

export interface ReadResult {
  messages: { offset: number; message: StoredMessage }[];
  next: number;
}

export class TopicLog {
  private size = 0;
  private pending: { lines: string; done: (err?: Error) => void }[] = [];
  private writing = false;
  private listeners = new Set<() => void>();

  readonly file: string;
  private readonly fh: FileHandle;

  private constructor(file: string, fh: FileHandle) {
    this.file = file;
    this.fh = fh;
  }

  static async open(dir: string, topic: string): Promise<TopicLog> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${topic}.log`);
    // every request's objects live here: private to kaudit's user
    const fh = await open(file, 'a+', 0o600);
    await fh.chmod(0o600);
    const log = new TopicLog(file, fh);
    await log.recover();
    return log;
  }

  get end(): number {
    return this.size;
  }

  private async recover(): Promise<void> {
    const { size } = await this.fh.stat();
    let cut = size;
    // Walk back to the last newline: anything after it was a torn, unacknowledged write.
    const chunk = Buffer.alloc(64 * 1024);
    while (cut > 0) {
      const start = Math.max(0, cut - chunk.length);
      const { bytesRead } = await this.fh.read(chunk, 0, cut - start, start);
      const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        cut = start + nl + 1;
        break;
      }
      cut = start;
    }
    if (cut !== size) {
      await this.fh.truncate(cut);
      await this.fh.datasync();
    }
    this.size = cut;
  }

  append(messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const lines = messages.map((m) => JSON.stringify(m) + '\n').join('');
    return new Promise((resolve, reject) => {
      this.pending.push({ lines, done: (err) => {
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
        const buf = Buffer.from(group.map((g) => g.lines).join(''), 'utf8');
        try {
          await this.fh.write(buf, 0, buf.length, null);
          await this.fh.datasync();
          this.size += buf.length;
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

  /** Reads complete lines from `from`, up to about `maxBytes`. */
  async read(from: number, maxBytes = 4 * 1024 * 1024): Promise<ReadResult> {
    const available = this.size - from;
    if (available <= 0) return { messages: [], next: from };
    let want = Math.min(available, maxBytes);
    for (;;) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await this.fh.read(buf, 0, want, from);
      const lastNl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (lastNl < 0) {
        if (want >= available) throw new Error(`corrupt log ${this.file} at byte ${String(from)}`);
        want = Math.min(available, want * 2); // one line larger than the window
        continue;
      }
      const messages: ReadResult['messages'] = [];
      let pos = 0;
      while (pos <= lastNl) {
        const nl = buf.indexOf(0x0a, pos);
        messages.push({ offset: from + pos, message: JSON.parse(buf.toString('utf8', pos, nl)) as StoredMessage });
        pos = nl + 1;
      }
      return { messages, next: from + pos };
    }
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
