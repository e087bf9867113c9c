import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';

// Staging: rows on their way to a bulk load, as NDJSON files beside the database file (private to it,
// emptied when the file is opened; README "Forensic replay" for the batches replay stages).

/** The staging directory of a DuckDB file: `.<file>.staging` beside it. */
export const stagingDirOf = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.staging`);

/**
 * Lines to one NDJSON file, written about a mebibyte at a time: one write (and one UTF-8 conversion) per
 * chunk costs far less than one per line. Backpressure: `add` returns a promise when the stream is full.
 */
export class LineFile {
  readonly file: string;
  lines = 0;
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingChars = 0;
  constructor(file: string) {
    this.file = file;
    // Large buffers: waiting for 'drain' every 16 KiB (the default) costs more than the writes.
    this.stream = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024, mode: 0o600 });
  }
  add(line: string): Promise<void> | undefined {
    this.lines++;
    this.pending.push(line);
    this.pendingChars += line.length;
    return this.pendingChars >= 1024 * 1024 ? this.flush() : undefined;
  }
  private flush(): Promise<void> | undefined {
    if (this.pending.length === 0) return undefined;
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.pendingChars = 0;
    return this.stream.write(chunk) ? undefined : once(this.stream, 'drain').then(() => undefined);
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
  }
}

/** NDJSON staging files for one bulk load. */
export class Staged {
  readonly records: LineFile;
  readonly findings: LineFile;
  constructor(recordsFile: string, findingsFile: string) {
    this.records = new LineFile(recordsFile);
    this.findings = new LineFile(findingsFile);
  }
  async close(): Promise<void> {
    await Promise.all([this.records.close(), this.findings.close()]);
  }
}
