import { engineFileErrorFrom, engineFilesAcross, type Engine, type EngineFiles } from '#shared/engine';
import type { Logger } from '#shared/logging';
import { startThread, type Packed } from '#shared/threads';
import { createPartitionedAnalysis, type BatchAnalysis } from './analyze-batch.js';

// Where the analyzer's engine runs: on a thread of its own (the services), so the event loop that reads
// and writes the bus, and in `npm start` also serves the webhook and the store, is never blocked by a
// batch's analysis; or on the caller's thread for an engine built in code (tests).

export interface StateEntries {
  keys: string[];
  values: Packed;
}
/** The partitions the analyzer owns, to start afresh from the state topic's entries (every other one is forgotten). */
export interface RestoreRequest extends StateEntries {
  partitions: number[];
}
export interface Restored {
  restored: number;
  skipped: string[];
  size: number;
}

/** Each partition is analysed with state of its own (analyze-batch.ts, shared/engine/shared-state.ts). */
export interface EngineRunner {
  analyze(partition: number, input: Packed): Promise<BatchAnalysis>;
  restore(request: RestoreRequest): Promise<Restored>;
  close(): Promise<void>;
}

export function engineOnThisThread(engine: Engine): EngineRunner {
  const analysis = createPartitionedAnalysis(engine);
  return {
    analyze: (partition, input) => Promise.resolve(analysis.analyze(partition, input)),
    restore: (r) => Promise.resolve(analysis.restore(r.partitions, r.keys, r.values)),
    close: () => Promise.resolve(),
  };
}

export type EngineRequest = { kind: 'analyze'; partition: number; input: Packed } | ({ kind: 'restore' } & RestoreRequest);
export type EngineReply = { kind: 'analyzed'; result: BatchAnalysis } | { kind: 'restored'; result: Restored };
export interface EngineLoaded {
  rules: number;
  snapshot: { loaded: number; skipped: number } | undefined;
}

/**
 * The engine on a worker thread (engine-worker.ts). A thread started after one died first takes the state
 * back from `state()` (the state topic), as after a rebalance. Rejects with an EngineFileError when the files
 * cannot be loaded.
 */
export async function startEngineThread({ files, state, logger }: {
  files: EngineFiles;
  /** the owned partitions and the state topic's latest entries, for a thread started after one died */
  state: () => Promise<RestoreRequest>;
  logger: Logger;
}): Promise<EngineRunner & { loaded: EngineLoaded }> {
  const data = engineFilesAcross(files);
  const thread = await startThread<EngineRequest, EngineReply, EngineLoaded>({
    near: import.meta.url,
    file: 'engine-worker',
    data,
    failed: (reason, details) => engineFileErrorFrom('analysis thread', reason, details),
    restarted: async (call) => {
      const reply = await call({ kind: 'restore', ...(await state()) });
      if (reply.kind === 'restored') logger.info({ restored: reply.result.restored, keys: reply.result.size }, 'analysis thread restarted; rule state restored');
    },
    onDeath: (reason) => {
      logger.error({ reason }, 'analysis thread stopped; the next batch starts a new one');
    },
  });
  const expect = <K extends EngineReply['kind']>(reply: EngineReply, kind: K): Extract<EngineReply, { kind: K }> => {
    if (reply.kind !== kind) throw new Error(`analysis thread answered ${reply.kind} to ${kind}`);
    return reply as Extract<EngineReply, { kind: K }>;
  };
  return {
    loaded: thread.info,
    analyze: async (partition, input) => expect(await thread.call({ kind: 'analyze', partition, input }, [input.bytes.buffer as ArrayBuffer]), 'analyzed').result,
    restore: async (request) => expect(await thread.call({ kind: 'restore', ...request }), 'restored').result,
    close: () => thread.close(),
  };
}
