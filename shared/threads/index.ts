import { parentPort, Worker, workerData } from 'node:worker_threads';
import { errorCodes, errorMessage, KauditError } from '#shared/errors';

// A service's CPU-bound step on a thread of its own, called like a function: requests in, replies out, in
// order. `startThread` is the caller's side, `serveThread` the thread's. A thread that dies fails the calls it
// held (retriable errors: the batch is redelivered) and the next call starts a new one.

/**
 * A worker thread running the module `file` beside `near` (an `import.meta.url`): the built `.js` from
 * `dist/`, or, when the caller itself runs from source (tests, `tsx`), the `.ts` through tsx's loader
 * with the `source` condition that maps `#shared/*` to source.
 */
function moduleWorker(near: string, file: string, data: unknown): Worker {
  if (!near.endsWith('.ts')) return new Worker(new URL(`./${file}.js`, near), { workerData: data });
  const source = new URL(`./${file}.ts`, near).href;
  const shim = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(shim, { eval: true, workerData: data, execArgv: ['--conditions=source'] });
}

type Reply<R> = { id: number; ok: true; body: R } | { id: number; ok: false; reason: string };
type Started<I> = { ready: true; info: I } | { ready: false; reason: string; details?: unknown };

export interface Thread<Q, R, I> {
  /** what the thread said when it first started */
  info: I;
  call(request: Q, transfer?: ArrayBuffer[]): Promise<R>;
  close(): Promise<void>;
}

/**
 * Starts the thread and waits until it is ready. `failed` turns a thread's start-up failure into the error
 * to throw (its `details`: what `serveThread`'s setup threw, see there). `restarted` runs on a thread
 * started after one died, before any call reaches it (to give it back its state).
 */
export async function startThread<Q, R, I>({ near, file, data, failed, restarted, onDeath }: {
  near: string;
  file: string;
  data: unknown;
  failed: (reason: string, details: unknown) => Error;
  restarted?: (call: (request: Q) => Promise<R>) => Promise<void>;
  /** told when a started thread dies (to log it) */
  onDeath?: (reason: string) => void;
}): Promise<Thread<Q, R, I>> {
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>();
  let closing = false;
  let current: Promise<Worker> | undefined;

  const post = (worker: Worker, request: Q, transfer: ArrayBuffer[]) =>
    new Promise<R>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, body: request }, transfer);
    });

  const spawn = () =>
    new Promise<{ worker: Worker; info: I }>((resolve, reject) => {
      const worker = moduleWorker(near, file, data);
      let started = false;
      worker.on('message', (m: Started<I> | Reply<R>) => {
        if ('ready' in m) {
          if (m.ready) {
            started = true;
            resolve({ worker, info: m.info });
          } else {
            reject(failed(m.reason, m.details));
            void worker.terminate();
          }
          return;
        }
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p?.resolve(m.body);
        else p?.reject(new KauditError(errorCodes.thread, `${file}: ${m.reason}`, { retriable: true }));
      });
      const died = (why: string) => {
        if (!started) reject(failed(why, undefined));
        const held = [...pending.values()];
        pending.clear();
        for (const p of held) p.reject(new KauditError(errorCodes.thread, `${file} thread stopped: ${why}`, { retriable: true }));
        current = undefined;
        if (started && !closing) onDeath?.(why);
      };
      worker.on('error', (err) => {
        died(err.message);
      });
      worker.on('exit', (code) => {
        died(`exit code ${String(code)}`);
      });
    });

  const first = await spawn();
  current = Promise.resolve(first.worker);

  const worker = (): Promise<Worker> => {
    if (current !== undefined) return current;
    const next = spawn().then(async ({ worker: w }) => {
      await restarted?.((request) => post(w, request, []));
      return w;
    });
    current = next;
    next.catch(() => {
      if (current === next) current = undefined;
    });
    return next;
  };

  return {
    info: first.info,
    async call(request, transfer = []) {
      if (closing) throw new KauditError(errorCodes.thread, `${file} thread is closed`);
      return post(await worker(), request, transfer);
    },
    async close() {
      closing = true;
      const w = current;
      current = undefined;
      if (w) await (await w.catch(() => undefined))?.terminate();
    },
  };
}

/** A thread's start: what it says when ready (`info`) and how it answers each request. */
export type ThreadSetup<Q, R, I> = (data: unknown) => Promise<{ info: I; handle: (request: Q) => { reply: R; transfer?: ArrayBuffer[] } }>;

/**
 * The thread's side: `setup` runs once (what it throws is sent back, its `details` property included, a
 * structured clone); then every request goes to `handle`, one at a time, in order. `handle` returns the reply
 * and the buffers to move rather than copy.
 */
export function serveThread(setup: ThreadSetup<never, unknown, unknown>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveThread runs in a worker thread');
  const ready = setup(workerData);
  ready.then(
    ({ info }) => {
      port.postMessage({ ready: true, info } satisfies Started<unknown>);
    },
    (err: unknown) => {
      const details = typeof err === 'object' && err !== null && 'details' in err ? (err).details : undefined;
      port.postMessage({ ready: false, reason: errorMessage(err), details } satisfies Started<unknown>);
    },
  );
  port.on('message', ({ id, body }: { id: number; body: never }) => {
    void ready.then(
      ({ handle }) => {
        try {
          const { reply, transfer = [] } = handle(body);
          port.postMessage({ id, ok: true, body: reply } satisfies Reply<unknown>, transfer);
        } catch (err) {
          port.postMessage({ id, ok: false, reason: errorMessage(err) } satisfies Reply<unknown>);
        }
      },
      () => undefined,
    );
  });
}

export { bufferList, pack, packValues, unpacked, type Packed } from './packed.js';
