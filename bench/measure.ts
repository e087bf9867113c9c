// What several benchmarks measure the same way: percentiles, bytes on disk, pauses, a free port.
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** The p-th percentile (nearest rank) of `xs`; 0 for none. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/** Bytes of the files under `dir`; a file removed while walking (a compacted segment, a staged file) counts 0. */
export function bytesUnder(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    try {
      n += d.isDirectory() ? bytesUnder(p) : statSync(p).size;
    } catch {
      // gone since readdir
    }
  }
  return n;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A loopback port free now, for a process that must be told its port up front. */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => {
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  });
