// The analysis thread: builds the engine from its files once, then analyses batches and restores state as
// the analyzer asks, one request at a time and in order (the engine's state depends on the order).
import { engineFromFilesAcross, type EngineFilesAcross } from '#shared/engine';
import { serveThread, type ThreadSetup } from '#shared/threads';
import { createPartitionedAnalysis, transferables } from './analyze-batch.js';
import type { EngineLoaded, EngineReply, EngineRequest } from './engine-thread.js';

const setup: ThreadSetup<EngineRequest, EngineReply, EngineLoaded> = async (data) => {
  const { engine, tuning, snapshot } = await engineFromFilesAcross(data as EngineFilesAcross);
  const analysis = createPartitionedAnalysis(engine, (data as EngineFilesAcross).partitions);
  return {
    info: { rules: tuning.rules.length, snapshot },
    handle(request) {
      if (request.kind === 'restore') return { reply: { kind: 'restored', result: analysis.restore(request.partitions, request.keys, request.values) } };
      const result = analysis.analyze(request.partition, request.input);
      return { reply: { kind: 'analyzed', result }, transfer: transferables(result) };
    },
  };
};

serveThread(setup);
