import { engineFileErrorFrom, engineFilesAcross, type Engine, type EngineFiles, type EngineFilesAcross } from '#shared/engine';
import { startThread } from '#shared/threads';
import { createChunkAnalysis, type ChunkInput, type ChunkOutput, type RawPolicy } from './analyze-chunk.js';

// Replay's engine on a thread of its own, so reading, validating and ordering the input (this thread) and
// analysing it (that one) use both cores; chunks are analysed one after the other, in the order sent, by one
// engine, so the outcome is the one engine's of the whole sequence. With an engine built in code (a tuning
// object, as tests give), the same step runs on this thread.

export interface ChunkRunner {
  analyze(input: ChunkInput): Promise<ChunkOutput>;
  close(): Promise<void>;
}

export function chunksOnThisThread(engine: Engine, raw: RawPolicy): ChunkRunner {
  const analyse = createChunkAnalysis(engine, raw);
  return { analyze: (input) => Promise.resolve(analyse(input)), close: () => Promise.resolve() };
}

export type ReplayThreadData = EngineFilesAcross & { raw: RawPolicy };

/** Rejects with an EngineFileError when the rules file or the snapshot cannot be loaded. */
export async function startReplayThread(files: EngineFiles, raw: RawPolicy): Promise<ChunkRunner> {
  const data: ReplayThreadData = { ...engineFilesAcross(files), raw };
  const thread = await startThread<ChunkInput, ChunkOutput, null>({
    near: import.meta.url,
    file: 'replay-worker',
    data,
    failed: (reason, details) => engineFileErrorFrom('replay’s engine thread', reason, details),
  });
  return {
    analyze: (input) => thread.call(input, [input.texts.bytes.buffer as ArrayBuffer]),
    close: () => thread.close(),
  };
}
