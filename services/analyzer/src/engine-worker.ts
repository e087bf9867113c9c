// The analysis thread: builds the engine from its files once, then analyses batches and restores state as
// the analyzer asks, one request at a time and in order (the engine's state depends on the order).
import { engineFromFiles, EngineFileError } from '#shared/engine';
import { serveThread, type ThreadSetup } from '#shared/threads';
import { createBatchAnalysis, restoreState, transferables } from './analyze-batch.js';
import type { EngineLoaded, EngineReply, EngineRequest, ThreadFiles } from './engine-thread.js';

const setup: ThreadSetup<EngineRequest, EngineReply, EngineLoaded> = async (data) => {
  const files = data as ThreadFiles;
  let loaded: Awaited<ReturnType<typeof engineFromFiles>>;
  try {
    loaded = await engineFromFiles({ rulesFile: files.rulesFile, rbacSnapshot: files.rbacSnapshot, redactionKey: Buffer.from(files.redactionKey) });
  } catch (err) {
    // which file failed goes back with the reason (startEngineThread makes it an EngineFileError again)
    if (err instanceof EngineFileError) throw Object.assign(new Error(err.reason), { details: { setting: err.setting, file: err.file } });
    throw err;
  }
  const { engine, tuning, snapshot } = loaded;
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
