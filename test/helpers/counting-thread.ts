// A worker thread for test/unit/threads.test.ts: adds numbers to a running total, throws or exits on request.
import { serveThread, type ThreadSetup } from '#shared/threads';

export type CountingRequest = { kind: 'add'; n: number } | { kind: 'throw' } | { kind: 'exit' } | { kind: 'bytes'; buffer: ArrayBuffer };
export interface CountingReply {
  total: number;
}

const setup: ThreadSetup<CountingRequest, CountingReply, { startedWith: unknown }> = (data) => {
  const { fail } = data as { fail?: string };
  if (fail !== undefined) return Promise.reject(Object.assign(new Error(fail), { details: { which: 'counting' } }));
  let total = 0;
  return Promise.resolve({
    info: { startedWith: data },
    handle(request) {
      if (request.kind === 'throw') throw new Error('asked to throw');
      if (request.kind === 'exit') process.exit(3);
      total += request.kind === 'add' ? request.n : request.buffer.byteLength;
      return { reply: { total } };
    },
  });
};

serveThread(setup);
