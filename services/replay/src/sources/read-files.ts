// Reading audit logs from files for replay (README "Forensic replay"): JSON lines (streamed line by line), single JSON
// documents (an EventList, one pretty-printed Event, an Azure `{"records":[…]}` batch), YAML documents (Events
// or EventLists separated by `---`, as some tools export them), `.gz` files, UTF-8 BOMs and blank lines. A malformed line is reported and skipped, never fatal; an unreadable file
// is fatal (the caller decides how to tell the operator).
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LineCounter, parseAllDocuments } from 'yaml';
import { errorMessage } from '#shared/errors';
import { unwrapDocument } from '#shared/contracts';
import type { MalformedLine, SourceItem } from './types.js';

export const inputFormats = ['auto', 'jsonl', 'eventlist', 'yaml'] as const;
export type InputFormat = (typeof inputFormats)[number];

/** `-` as an input path: standard input, read as JSON lines. */
export const stdinPath = '-';

/** A single-document file is parsed whole; larger ones are refused (or, with `auto`, read as JSON lines). */
export const maxDocumentBytes = 512 * 1024 * 1024;

export interface ReadOptions {
  format?: InputFormat;
  onMalformed: (m: MalformedLine) => void;
  /** compressed bytes read from disk so far, per chunk (for progress) */
  onBytes?: (n: number) => void;
  stdin?: Readable;
}

export class InputError extends Error {
  override name = 'InputError';
}

/** Files and directories → files (a directory's regular files, sorted by name, not recursive). */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === stdinPath) {
      out.push(p);
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      throw new InputError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { cause: err });
    }
    if (st.isDirectory()) {
      const entries = await readdir(p, { withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.push(...files.map((f) => path.join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

function openStream(file: string, opts: ReadOptions): Readable {
  if (file === stdinPath) return opts.stdin ?? process.stdin;
  const raw = createReadStream(file);
  if (opts.onBytes) {
    const onBytes = opts.onBytes;
    raw.on('data', (chunk: Buffer | string) => {
      onBytes(chunk.length);
    });
  }
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

function wrapReadError(file: string, err: unknown): InputError {
  if (err instanceof InputError) return err;
  const e = err as NodeJS.ErrnoException;
  return new InputError(`cannot read ${file}: ${e.code && e.code !== 'Z_DATA_ERROR' ? e.code : e.message}`, { cause: err });
}

function describeJsonError(err: unknown): string {
  return `not valid JSON (${errorMessage(err)})`;
}

function* itemsOf(value: unknown, file: string, line: number, text?: string): Generator<SourceItem> {
  let index = 0;
  for (const item of unwrapDocument(value)) yield { item, file, line, index: index++, ...(item === value && text !== undefined ? { text } : {}) };
}

/** The whole (decompressed) file as text, BOM removed; undefined when it exceeds `maxDocumentBytes`. */
async function readWhole(file: string, opts: ReadOptions, cap: number): Promise<string | undefined> {
  const stream = openStream(file, { ...opts, onBytes: undefined });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > cap) {
        stream.destroy();
        return undefined;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw wrapReadError(file, err);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
}

/** A file named `*.yaml` / `*.yml` (gzipped or not). */
const yamlName = /\.ya?ml(\.gz)?$/i;
/** A first line that starts YAML rather than JSON: a document marker, a directive, a mapping key, a list item. */
const yamlStart = /^(---|%YAML|[A-Za-z_][A-Za-z0-9_]*:(\s|$)|- )/;

/**
 * The items of a YAML file: each document (an Event, an EventList, a list of Events) through
 * `unwrapDocument`; a document that does not parse is reported at its first line and skipped.
 */
async function* yamlItems(file: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
  const text = await readWhole(file, opts, maxDocumentBytes);
  if (text === undefined) throw new InputError(`${file} is larger than ${String(maxDocumentBytes / 1024 / 1024)} MiB: too large for YAML; convert it to JSON lines`);
  const lineCounter = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
    const line = lineCounter.linePos(doc.range[0]).line;
    const [error] = doc.errors;
    if (error !== undefined) {
      opts.onMalformed({ file, line: error.linePos?.[0].line ?? line, reason: `not valid YAML (${error.message.split('\n')[0] ?? ''})` });
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    yield* itemsOf(value, file, line);
  }
}

type LineResult = { kind: 'item'; item: SourceItem } | { kind: 'document' } | { kind: 'yaml' };

/**
 * Streams a file as JSON lines. With `sniff`, a first non-blank line that starts with `{` or `[` but
 * does not parse on its own means the file is one pretty-printed document: the generator stops and
 * yields `{ kind: 'document' }` before reporting anything.
 */
async function* streamLines(file: string, opts: ReadOptions, sniff: boolean): AsyncGenerator<LineResult> {
  const input = openStream(file, opts);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let first = true;
  try {
    for await (const raw of rl) {
      lineNo++;
      const text = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (text === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text) as unknown;
      } catch (err) {
        if (sniff && first && (text.startsWith('{') || text.startsWith('['))) {
          yield { kind: 'document' };
          return;
        }
        if (sniff && first && yamlStart.test(text)) {
          yield { kind: 'yaml' };
          return;
        }
        opts.onMalformed({ file, line: lineNo, reason: describeJsonError(err) });
        first = false;
        continue;
      }
      first = false;
      for (const item of itemsOf(value, file, lineNo, text)) yield { kind: 'item', item };
    }
  } catch (err) {
    throw wrapReadError(file, err);
  } finally {
    rl.close();
    if (input !== opts.stdin && input !== process.stdin) input.destroy();
  }
}

/**
 * The items of one file. `auto`: YAML for a `.yaml`/`.yml` name or a first non-blank line that starts
 * YAML (`---`, `kind: Event`, …); else JSON lines, unless the first non-blank line (after a BOM) starts a
 * JSON value that does not end on that line, in which case the whole file is parsed as one document (and,
 * if that fails too or it is larger than the cap, read as JSON lines after all, reporting bad lines).
 * Every JSON line and document goes through `unwrapDocument`, so a line may also hold an EventList or a
 * records batch. A JSON-lines file is never held in memory whole.
 */
export async function* readFile(file: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
  const format = file === stdinPath ? 'jsonl' : (opts.format ?? 'auto');
  if (format === 'yaml' || (format === 'auto' && yamlName.test(file))) {
    yield* yamlItems(file, opts);
    return;
  }
  if (format === 'eventlist') {
    const text = await readWhole(file, opts, maxDocumentBytes);
    if (text === undefined) throw new InputError(`${file} is larger than ${String(maxDocumentBytes / 1024 / 1024)} MiB: too large for --format eventlist; use --format jsonl`);
    try {
      yield* itemsOf(JSON.parse(text) as unknown, file, 1);
    } catch (err) {
      opts.onMalformed({ file, line: 1, reason: describeJsonError(err) });
    }
    return;
  }
  let document = false;
  for await (const r of streamLines(file, opts, format === 'auto')) {
    if (r.kind === 'yaml') {
      yield* yamlItems(file, opts);
      return;
    }
    if (r.kind === 'document') {
      document = true;
      break;
    }
    yield r.item;
  }
  if (!document) return;
  const text = await readWhole(file, opts, maxDocumentBytes);
  if (text !== undefined) {
    let value: unknown;
    let parsed = true;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      parsed = false;
    }
    if (parsed) {
      yield* itemsOf(value, file, 1);
      return;
    }
  }
  // Not one document after all: a JSON-lines file whose first line is broken.
  for await (const r of streamLines(file, opts, false)) if (r.kind === 'item') yield r.item;
}

export type { MalformedLine, SourceItem } from './types.js';
