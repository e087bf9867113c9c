// A service step on a worker thread (#shared/threads): answers in order, keeps its state between calls,
// survives a failing request, and after dying fails what it held and is started anew (restarted first).
import { afterEach, describe, expect, it } from 'vitest';
import { errorCodes, KauditError } from '#shared/errors';
import { startThread, type Thread } from '#shared/threads';
import type { CountingReply, CountingRequest } from '../helpers/counting-thread.js';

const open: Thread<CountingRequest, CountingReply, { startedWith: unknown }>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function counting(options: { data?: unknown; restarted?: (call: (r: CountingRequest) => Promise<CountingReply>) => Promise<void>; deaths?: string[] } = {}) {
  const t = await startThread<CountingRequest, CountingReply, { startedWith: unknown }>({
    near: import.meta.url,
    file: '../helpers/counting-thread',
    data: options.data ?? { hello: 1 },
    failed: (reason, details) => new Error(`failed: ${reason} ${JSON.stringify(details)}`),
    ...(options.restarted ? { restarted: options.restarted } : {}),
    onDeath: (why) => options.deaths?.push(why),
  });
  open.push(t);
  return t;
}

describe('a worker thread called like a function', () => {
  it('says what it started with, answers calls in order and keeps its state between them', async () => {
    const t = await counting({ data: { hello: 'there' } });
    expect(t.info).toEqual({ startedWith: { hello: 'there' } });
    const replies = await Promise.all([1, 2, 3, 4].map((n) => t.call({ kind: 'add', n })));
    expect(replies.map((r) => r.total)).toEqual([1, 3, 6, 10]);
  });

  it('moves a transferred buffer instead of copying it', async () => {
    const t = await counting();
    const buffer = new ArrayBuffer(1000);
    expect((await t.call({ kind: 'bytes', buffer }, [buffer])).total).toBe(1000);
    expect(buffer.byteLength).toBe(0);
  });

  it('fails one request that throws with a retriable error, and goes on with the next', async () => {
    const t = await counting();
    await t.call({ kind: 'add', n: 5 });
    const err = await t.call({ kind: 'throw' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KauditError);
    expect((err as KauditError).code).toBe(errorCodes.thread);
    expect((err as KauditError).retriable).toBe(true);
    expect((err as Error).message).toMatch(/asked to throw/);
    expect((await t.call({ kind: 'add', n: 1 })).total).toBe(6);
  });

  it('after dying, fails what it held and starts anew on the next call, restarted before anything reaches it', async () => {
    const deaths: string[] = [];
    const restarts: number[] = [];
    const t = await counting({
      deaths,
      restarted: async (call) => {
        restarts.push((await call({ kind: 'add', n: 100 })).total);
      },
    });
    await t.call({ kind: 'add', n: 7 });
    const died = await t.call({ kind: 'exit' }).catch((e: unknown) => e);
    expect(died).toBeInstanceOf(KauditError);
    expect((died as KauditError).retriable).toBe(true);
    expect((died as Error).message).toMatch(/thread stopped: exit code 3/);
    expect(deaths).toEqual(['exit code 3']);
    // a new thread: its total starts at what the restart gave it, not at the dead one's 7
    expect((await t.call({ kind: 'add', n: 1 })).total).toBe(101);
    expect(restarts).toEqual([100]);
  });

  it('rejects the start with the caller’s error when the thread cannot set up', async () => {
    await expect(counting({ data: { fail: 'no such file' } })).rejects.toThrow('failed: no such file {"which":"counting"}');
  });
});
