import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '#shared/errors';
import { createEngine, type Engine } from './engine.js';
import { RbacRegistry } from './rbac/index.js';
import { createRedactor } from './redact.js';
import { builtinRules, type Rule } from './rules/index.js';
import { applyTuning, type Tuning } from './tuning/index.js';
import { CelLoadError } from './tuning/cel.js';

// The engine's only file I/O: the tuning file and the RBAC snapshot, read once when a service starts.

/** A file the engine was given could not be read or applied; `setting` says which one. */
export class EngineFileError extends Error {
  readonly setting: 'rulesFile' | 'rbacSnapshot';
  readonly file: string;
  /** what was wrong, without the file's role */
  readonly reason: string;
  constructor(setting: 'rulesFile' | 'rbacSnapshot', file: string, reason: string) {
    super(`cannot load ${setting === 'rulesFile' ? 'rules file' : 'RBAC snapshot'} ${file}: ${reason}`);
    this.setting = setting;
    this.file = file;
    this.reason = reason;
  }
}

/**
 * An engine built on a worker thread reports a file it could not load across the thread: as an error whose
 * `details` (a structured clone) name the setting and the file, made an EngineFileError again on the other
 * side (`engineFileErrorFrom`).
 */
function engineFileErrorAcross(err: unknown): unknown {
  return err instanceof EngineFileError ? Object.assign(new Error(err.reason), { details: { setting: err.setting, file: err.file } }) : err;
}
export function engineFileErrorFrom(what: string, reason: string, details: unknown): Error {
  const d = details as { setting?: 'rulesFile' | 'rbacSnapshot'; file?: string } | undefined;
  return d?.setting === undefined ? new Error(`${what}: ${reason}`) : new EngineFileError(d.setting, d.file ?? '', reason);
}

/** Reads and applies a YAML tuning file to `builtins`; `undefined` gives the defaults. */
export function loadTuning(builtins: readonly Rule[], file: string | undefined): Tuning {
  if (file === undefined) return applyTuning(builtins, {});
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CelLoadError(file, errorMessage(err));
  }
  return applyTuning(builtins, doc);
}

/** The built-in rules with the tuning file applied; a bad file is an EngineFileError. */
export function tuningFromFile(file: string | undefined): Tuning {
  try {
    return loadTuning(builtinRules, file);
  } catch (err) {
    throw new EngineFileError('rulesFile', file ?? '', errorMessage(err));
  }
}

/** Reads a JSON (or YAML) RBAC snapshot file and loads it into `rbac` for every cluster. */
export async function loadSnapshotFile(rbac: RbacRegistry, file: string): Promise<{ loaded: number; skipped: number }> {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  rbac.snapshotAt = (await stat(file)).mtimeMs;
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = parseYaml(text) as unknown;
  }
  return rbac.loadSnapshot(json);
}

export interface EngineFiles {
  /** the tuning file (KAUDIT_RULES_FILE); ignored when `tuning` is given */
  rulesFile?: string | undefined;
  /** a tuning already loaded (replay loads it before reading any input) */
  tuning?: Tuning | undefined;
  /** the RBAC snapshot (KAUDIT_RBAC_SNAPSHOT) */
  rbacSnapshot?: string | undefined;
  /** the key of redaction markers (KAUDIT_REDACTION_KEY); random per process without one */
  redactionKey?: Buffer | undefined;
  /** events from the bus, with ingest's pace copies (createEngine's `paced`) */
  paced?: boolean | undefined;
  /** the events topic's partitions (the analyzer shares its engine's memory out over them) */
  partitions?: number | undefined;
}

/** An engine set up from its files: the snapshot and the tuning file read, applied, and said what they held. */
export async function engineFromFiles(files: EngineFiles): Promise<{ engine: Engine; tuning: Tuning; snapshot: { loaded: number; skipped: number } | undefined }> {
  const rbac = new RbacRegistry();
  let snapshot: { loaded: number; skipped: number } | undefined;
  if (files.rbacSnapshot !== undefined) {
    try {
      snapshot = await loadSnapshotFile(rbac, files.rbacSnapshot);
    } catch (err) {
      throw new EngineFileError('rbacSnapshot', files.rbacSnapshot, errorMessage(err));
    }
  }
  const tuning = files.tuning ?? tuningFromFile(files.rulesFile);
  const engine = createEngine({ rbac, rules: tuning.rules, settings: tuning.settings, redact: createRedactor(files.redactionKey), paced: files.paced ?? false });
  return { engine, tuning, snapshot };
}

/** What a worker thread is given to build its engine (a structured clone: the key arrives as bytes). */
export interface EngineFilesAcross {
  rulesFile: string | undefined;
  rbacSnapshot: string | undefined;
  redactionKey: Uint8Array;
  paced: boolean;
  partitions: number;
}

/**
 * The files for an engine on a worker thread. Without a redaction key, one random key is drawn here, once
 * for every thread the caller starts, so markers stay comparable after a thread is restarted.
 */
export function engineFilesAcross(files: EngineFiles): EngineFilesAcross {
  return { rulesFile: files.rulesFile, rbacSnapshot: files.rbacSnapshot, redactionKey: files.redactionKey ?? randomBytes(32), paced: files.paced ?? false, partitions: files.partitions ?? 1 };
}

/** `engineFromFiles` on a worker thread: a file it cannot load is thrown in the form that crosses back. */
export async function engineFromFilesAcross(files: EngineFilesAcross): ReturnType<typeof engineFromFiles> {
  try {
    return await engineFromFiles({ rulesFile: files.rulesFile, rbacSnapshot: files.rbacSnapshot, redactionKey: Buffer.from(files.redactionKey), paced: files.paced });
  } catch (err) {
    throw engineFileErrorAcross(err);
  }
}
