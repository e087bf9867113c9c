// Replay's engine thread: one engine from the files, then chunks of events in the order they come.
import { engineFromFilesAcross } from '#shared/engine';
import { serveThread, type ThreadSetup } from '#shared/threads';
import { chunkTransferables, createChunkAnalysis, type ChunkInput, type ChunkOutput } from './analyze-chunk.js';
import type { ReplayThreadData } from './engine-thread.js';

const setup: ThreadSetup<ChunkInput, ChunkOutput, null> = async (data) => {
  const { raw, ...files } = data as ReplayThreadData;
  const analyse = createChunkAnalysis((await engineFromFilesAcross(files)).engine, raw);
  return {
    info: null,
    handle(input) {
      const output = analyse(input);
      return { reply: output, transfer: chunkTransferables(output) };
    },
  };
};

serveThread(setup);
