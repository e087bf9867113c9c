import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { StoredMessage } from './embedded-log.js';

// One segment file of an embedded topic (embedded-log.ts): the record format, reading, validating a tail.
const recordHeader = 8;
export const segmentName = (base: number) => `${String(base).padStart(20, '0')}.seg`;
export const legacyName = (base: number) => `${String(base).padStart(20, '0')}.jsonl`;

/** The records of `messages`, encoded one after the other into one buffer (each value copied once). */
export function encode(...messages: readonly StoredMessage[]): Buffer {
  const headers = messages.map((m) => (m.headers && Object.keys(m.headers).length > 0 ? JSON.stringify(m.headers) : ''));
  let size = 0;
  for (const [i, m] of messages.entries()) size += recordHeader + 2 + Buffer.byteLength(m.key) + 4 + Buffer.byteLength(headers[i] ?? '') + m.value.length;
  // not from the pool: the buffer outlives this call (it waits for the group commit)
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const [i, m] of messages.entries()) {
    const start = at;
    at += recordHeader;
    const keyAt = at + 2;
    const keyLength = out.write(m.key, keyAt, 'utf8');
    out.writeUInt16BE(keyLength, at);
    at = keyAt + keyLength;
    const headersLength = out.write(headers[i] ?? '', at + 4, 'utf8');
    out.writeUInt32BE(headersLength, at);
    at += 4 + headersLength;
    at += m.value.copy(out, at);
    out.writeUInt32BE(at - start - recordHeader, start);
    out.writeUInt32BE(crc32(out.subarray(start + recordHeader, at)), start + 4);
  }
  return out;
}

export function decode(payload: Buffer): StoredMessage {
  const keyLength = payload.readUInt16BE(0);
  const key = payload.toString('utf8', 2, 2 + keyLength);
  const headersLength = payload.readUInt32BE(2 + keyLength);
  const headersAt = 6 + keyLength;
  const value = Buffer.from(payload.subarray(headersAt + headersLength));
  return headersLength === 0 ? { key, value } : { key, value, headers: JSON.parse(payload.toString('utf8', headersAt, headersAt + headersLength)) as Record<string, string> };
}

interface LegacyLine {
  k: string;
  v: string;
  h?: Record<string, string>;
}

/** One segment file. Readers keep the object they started with: a replaced file stays readable through it. */
export class Segment {
  readonly base: number;
  readonly file: string;
  readonly fh: FileHandle;
  size: number;
  readonly legacy: boolean;
  /** when it was last appended to (ms since the epoch) */
  lastWrite: number;

  constructor(base: number, file: string, fh: FileHandle, size: number, legacy: boolean, lastWrite: number) {
    this.base = base;
    this.file = file;
    this.fh = fh;
    this.size = size;
    this.legacy = legacy;
    this.lastWrite = lastWrite;
  }

  get end(): number {
    return this.base + this.size;
  }

  /** Records from `pos` (relative to the segment), up to about `maxBytes` (one larger record whole). */
  async read(pos: number, maxBytes: number): Promise<{ messages: { offset: number; message: StoredMessage }[]; next: number }> {
    return this.legacy ? this.readLines(pos, maxBytes) : this.readRecords(pos, maxBytes);
  }

  private async readRecords(pos: number, maxBytes: number) {
    const messages: { offset: number; message: StoredMessage }[] = [];
    const available = this.size - pos;
    if (available <= 0) return { messages, next: pos };
    const want = Math.min(available, Math.max(maxBytes, recordHeader));
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.fh.read(buf, 0, want, pos);
    let at = 0;
    while (at + recordHeader <= bytesRead) {
      const length = buf.readUInt32BE(at);
      if (at + recordHeader + length > bytesRead) {
        if (messages.length > 0) break;
        // one record larger than the window: read it alone
        const one = Buffer.allocUnsafe(recordHeader + length);
        await this.fh.read(one, 0, one.length, pos);
        messages.push({ offset: this.base + pos, message: decode(one.subarray(recordHeader)) });
        return { messages, next: pos + one.length };
      }
      messages.push({ offset: this.base + pos + at, message: decode(buf.subarray(at + recordHeader, at + recordHeader + length)) });
      at += recordHeader + length;
    }
    return { messages, next: pos + at };
  }

  private async readLines(pos: number, maxBytes: number) {
    const messages: { offset: number; message: StoredMessage }[] = [];
    const available = this.size - pos;
    if (available <= 0) return { messages, next: pos };
    let want = Math.min(available, maxBytes);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.fh.read(buf, 0, want, pos);
      const lastNl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (lastNl < 0) {
        if (want >= available) throw new Error(`corrupt log ${this.file} at byte ${String(pos)}`);
        want = Math.min(available, want * 2);
        continue;
      }
      let at = 0;
      while (at <= lastNl) {
        const nl = buf.indexOf(0x0a, at);
        const line = JSON.parse(buf.toString('utf8', at, nl)) as LegacyLine;
        messages.push({ offset: this.base + pos + at, message: { key: line.k, value: Buffer.from(line.v, 'base64'), ...(line.h ? { headers: line.h } : {}) } });
        at = nl + 1;
      }
      return { messages, next: pos + at };
    }
  }

  /** The length of the valid records from the start (what a torn or corrupt tail leaves); read in large chunks. */
  async validLength(): Promise<number> {
    let pos = 0;
    let buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    while (pos + recordHeader <= this.size) {
      const { bytesRead } = await this.fh.read(buf, 0, Math.min(buf.length, this.size - pos), pos);
      let at = 0;
      while (at + recordHeader <= bytesRead) {
        const length = buf.readUInt32BE(at);
        if (at + recordHeader + length > bytesRead) break;
        if (crc32(buf.subarray(at + recordHeader, at + recordHeader + length)) !== buf.readUInt32BE(at + 4)) return pos + at;
        at += recordHeader + length;
      }
      if (at === 0) {
        // a record larger than the buffer, or a tail shorter than its header promises
        const length = buf.readUInt32BE(0);
        if (pos + recordHeader + length > this.size) return pos;
        buf = Buffer.allocUnsafe(recordHeader + length);
        continue;
      }
      pos += at;
    }
    return pos;
  }
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function openSegment(dir: string, base: number, legacy: boolean, create: boolean): Promise<Segment> {
  const file = path.join(dir, legacy ? legacyName(base) : segmentName(base));
  // every request's objects live here: private to kaudit's user
  const fh = await open(file, create ? 'a+' : 'r', 0o600);
  if (create) await fh.chmod(0o600);
  const { size, mtimeMs } = await fh.stat();
  return new Segment(base, file, fh, size, legacy, mtimeMs);
}

/** Cuts a legacy JSON-lines log after its last complete line (a torn write was never acknowledged). */
export async function cutTornLine(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    let cut = size;
    const chunk = Buffer.alloc(64 * 1024);
    while (cut > 0) {
      const start = Math.max(0, cut - chunk.length);
      const { bytesRead } = await fh.read(chunk, 0, cut - start, start);
      const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        cut = start + nl + 1;
        break;
      }
      cut = start;
    }
    if (cut !== size) {
      await fh.truncate(cut);
      await fh.datasync();
    }
  } finally {
    await fh.close();
  }
}
