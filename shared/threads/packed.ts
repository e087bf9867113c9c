// Values laid end to end in one buffer, so a batch crosses to or from a thread as one transfer.

/** Value i is `bytes[ends[i-1] ?? 0 .. ends[i]]`. */
export interface Packed {
  bytes: Uint8Array;
  ends: number[];
}

/** Texts as UTF-8, in a buffer of their own (never Buffer's shared pool: it may be transferred whole). */
export function pack(texts: readonly string[]): Packed {
  const ends: number[] = new Array<number>(texts.length);
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    total += Buffer.byteLength(texts[i] ?? '');
    ends[i] = total;
  }
  const bytes = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (let i = 0; i < texts.length; i++) at += bytes.write(texts[i] ?? '', at);
  return { bytes, ends };
}

/** Byte values copied into a buffer of their own. */
export function packValues(values: readonly Uint8Array[]): Packed {
  const ends: number[] = new Array<number>(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i]?.length ?? 0;
    ends[i] = total;
  }
  const bytes = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const v of values) {
    bytes.set(v, at);
    at += v.length;
  }
  return { bytes, ends };
}

/** Value `i`, as a Buffer over the same memory. */
export function unpacked(p: Packed, i: number): Buffer {
  const start = i === 0 ? 0 : (p.ends[i - 1] ?? 0);
  return Buffer.from(p.bytes.buffer, p.bytes.byteOffset + start, (p.ends[i] ?? start) - start);
}

/** The distinct non-empty buffers under some packed lists, for a transfer list. */
export function bufferList(...packed: Packed[]): ArrayBuffer[] {
  return packed.map((p) => p.bytes.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i && b.byteLength > 0);
}
