// The analysis thread: builds the engine from its files once, then analyses batches and restores state as
// the analyzer asks, one request at a time and in order (the engine's state depends on the order).
import { engineFromFilesAcross, type EngineFilesAcross } from '#shared/engine';
import { serveThread, type ThreadSetup } from '#shared/threads';
import { createBatchAnalysis, restoreState, transferables } from './analyze-batch.js';
import type { EngineLoaded, EngineReply, EngineRequest } from './engine-thread.js';

const setup: ThreadSetup<EngineRequest, EngineReply, EngineLoaded> = async (data) => {
  const { engine, tuning, snapshot } = await engineFromFilesAcross(data as EngineFilesAcross);
  const analyse = createBatchAnalysis(engine);
  return {
    info: { rules: tuning.rules.length, snapshot },
    handle(request) {
      if (request.kind === 'restore') return { reply: { kind: 'restored', result: restoreState(engine, request.keys, request.values) } };
      const result = analyse(request.input);
      return { reply: { kind: 'analyzed', result }, transfer: transferables(result) };
    },
  };
};

serveThread(setup);
