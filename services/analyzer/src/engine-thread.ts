import { engineFileErrorFrom, engineFilesAcross, type Engine, type EngineFiles } from '#shared/engine';
import type { Logger } from '#shared/logging';
import { startThread, type Packed } from '#shared/threads';
import { createBatchAnalysis, restoreState, type BatchAnalysis } from './analyze-batch.js';

// Where the analyzer's engine runs: on a thread of its own (the services), so the event loop that reads
// and writes the bus, and in `npm start` also serves the webhook and the store, is never blocked by a
// batch's analysis; or on the caller's thread for an engine built in code (tests).

export interface StateEntries {
  keys: string[];
  values: Packed;
}
export interface Restored {
  restored: number;
  skipped: string[];
  size: number;
}

export interface EngineRunner {
  analyze(input: Packed): Promise<BatchAnalysis>;
  restore(state: StateEntries): Promise<Restored>;
  close(): Promise<void>;
}

export function engineOnThisThread(engine: Engine): EngineRunner {
  const analyse = createBatchAnalysis(engine);
  return {
    analyze: (input) => Promise.resolve(analyse(input)),
    restore: (state) => Promise.resolve(restoreState(engine, state.keys, state.values)),
    close: () => Promise.resolve(),
  };
}

export type EngineRequest = { kind: 'analyze'; input: Packed } | ({ kind: 'restore' } & StateEntries);
export type EngineReply = { kind: 'analyzed'; result: BatchAnalysis } | { kind: 'restored'; result: Restored };
export interface EngineLoaded {
  rules: number;
  snapshot: { loaded: number; skipped: number } | undefined;
}

/**
 * The engine on a worker thread (engine-worker.ts). A thread started after one died first takes the rule
 * state back from `state()` (the state topic), as after a rebalance. Rejects with an EngineFileError when the
 * files cannot be loaded.
 */
export async function startEngineThread({ files, state, logger }: {
  files: EngineFiles;
  /** the state topic's latest entries, for a thread started after one died */
  state: () => Promise<StateEntries>;
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
    analyze: async (input) => expect(await thread.call({ kind: 'analyze', input }, [input.bytes.buffer as ArrayBuffer]), 'analyzed').result,
    restore: async (entries) => expect(await thread.call({ kind: 'restore', ...entries }), 'restored').result,
    close: () => thread.close(),
  };
}
