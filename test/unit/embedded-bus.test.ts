// The embedded bus behind `npm start`: acknowledged messages survive a restart, consumer groups
// resume from their committed position, a torn (never acknowledged) write is cut off, a failing
// handler gets the same batch again.
import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedBus, type Bus, type InMessage } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { waitFor } from '../helpers/wait-for.js';

const topics = ['a', 'b'];
const msg = (i: number) => ({ key: `k${String(i)}`, value: Buffer.from(`v${String(i)}`), headers: { n: String(i) } });

async function open(dir: string): Promise<Bus> {
  const bus = createEmbeddedBus({ dir, topics, logger: silentLogger() });
  await bus.start();
  return bus;
}

async function collect(bus: Bus, groupId: string, count: number, fail = 0): Promise<InMessage[]> {
  const got: InMessage[] = [];
  let failures = fail;
  const sub = await bus.consume({
    groupId,
    topics: ['a'],
    handler: (batch) => {
      if (failures-- > 0) return Promise.reject(new Error('store unavailable'));
      got.push(...batch.messages);
      return Promise.resolve();
    },
  });
  await waitFor(() => Promise.resolve(got.length >= count), { what: `${String(count)} messages`, timeoutMs: 10_000 });
  await sub.stop();
  return got;
}

describe('embedded bus', () => {
  it('keeps acknowledged messages across a restart and resumes each group from its commit', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    let bus = await open(dir);
    await bus.produce('a', [msg(1), msg(2), msg(3)]);
    const first = await collect(bus, 'g1', 3);
    expect(first.map((m) => m.key)).toEqual(['k1', 'k2', 'k3']);
    expect(first[1]?.headers).toEqual({ n: '2' });
    await bus.close();

    bus = await open(dir);
    await bus.produce('a', [msg(4)]);
    const second = await collect(bus, 'g1', 1);
    expect(second.map((m) => m.value.toString())).toEqual(['v4']);
    // a new group starts at the beginning
    expect((await collect(bus, 'g2', 4)).map((m) => m.key)).toEqual(['k1', 'k2', 'k3', 'k4']);
    await bus.close();
  });

  it('cuts off a torn last line on open (a write that was never acknowledged)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    let bus = await open(dir);
    await bus.produce('a', [msg(1)]);
    await bus.close();
    const file = path.join(dir, 'a.log');
    const size = statSync(file).size;
    appendFileSync(file, '{"k":"torn","v":"d');
    bus = await open(dir);
    expect(statSync(file).size).toBe(size);
    await bus.produce('a', [msg(2)]);
    expect((await collect(bus, 'g', 2)).map((m) => m.key)).toEqual(['k1', 'k2']);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    await bus.close();
  });

  it('redelivers a batch whose handler failed instead of skipping it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const bus = await open(dir);
    await bus.produce('a', [msg(1), msg(2)]);
    const got = await collect(bus, 'g', 2, 1);
    expect(got.map((m) => m.key)).toEqual(['k1', 'k2']);
    await bus.close();
  });

  it('keeps bytes that are not UTF-8 intact (DLQ needs the original bytes)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const bus = await open(dir);
    const raw = Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
    await bus.produce('a', [{ key: 'x', value: raw }]);
    const [m] = await collect(bus, 'g', 1);
    expect(m?.value.equals(raw)).toBe(true);
    await bus.close();
  });

  it('refuses to produce after close with a retriable error', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const bus = await open(dir);
    await bus.close();
    await expect(bus.produce('a', [msg(1)])).rejects.toMatchObject({ retriable: true });
    expect(bus.isReady()).toBe(false);
  });
});
