// The embedded bus behind `npm start`: acknowledged messages survive a restart, consumer groups
// resume from their committed position, a torn (never acknowledged) write is cut off, a failing
// handler gets the same batch again.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedBus, type Bus, type InMessage, type OutMessage } from '#shared/bus';
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

  it('gives back each message of a batch byte for byte: multi-byte keys, headers or none, empty and binary values', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    let bus = await open(dir);
    const sent: OutMessage[] = [
      { key: 'cluster/ünïcødé-👤', value: Buffer.from('{"a":"é"}'), headers: { 'x-ü': 'ÿ' } },
      { key: '', value: Buffer.alloc(0) },
      { key: 'k', value: Buffer.from([0, 255, 10, 13, 0x80]), headers: {} },
      { key: 'big', value: Buffer.alloc(70_000, 'x') },
    ];
    // two produce calls at once: written together by one group commit
    await Promise.all([bus.produce('a', sent.slice(0, 2)), bus.produce('a', sent.slice(2))]);
    await bus.close();
    bus = await open(dir);
    const got = await collect(bus, 'g', sent.length);
    expect(got.map((m) => ({ key: m.key, value: m.value.toString('hex'), headers: m.headers }))).toEqual(sent.map((m) => ({ key: m.key, value: m.value.toString('hex'), headers: m.headers ?? {} })));
    await bus.close();
  });

  it('cuts off a torn or corrupt tail of the active segment on open (a write that was never acknowledged)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    let bus = await open(dir);
    await bus.produce('a', [msg(1)]);
    await bus.close();
    const file = path.join(dir, 'a', `${'0'.repeat(20)}.seg`);
    const size = statSync(file).size;
    // a record header promising more than was written, then garbage
    appendFileSync(file, Buffer.from([0, 0, 0, 50, 1, 2, 3, 4, 9, 9]));
    bus = await open(dir);
    expect(statSync(file).size).toBe(size);
    await bus.produce('a', [msg(2)]);
    expect((await collect(bus, 'g', 2)).map((m) => m.key)).toEqual(['k1', 'k2']);
    await bus.close();
    // a record whose checksum does not match is cut too
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 0xff;
    writeFileSync(file, flipped);
    bus = await open(dir);
    expect((await bus.readAll('a')).map((m) => m.key)).toEqual(['k1']);
    await bus.close();
  });

  it('stores values as their bytes: a 1 KiB message takes about 1 KiB on disk (no base64, no JSON escaping)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const bus = await open(dir);
    const value = Buffer.from(JSON.stringify({ note: '"quoted" \\ text', pad: 'x'.repeat(1000) }));
    await bus.produce('a', Array.from({ length: 100 }, () => ({ key: 'cluster/user', value })));
    await bus.close();
    const size = statSync(path.join(dir, 'a', `${'0'.repeat(20)}.seg`)).size;
    expect(size).toBeLessThan(100 * (value.length + 32));
    expect(size).toBeGreaterThanOrEqual(100 * value.length);
  });

  it('reads a topic written by an older kaudit (<topic>.log, JSON lines) in place: committed positions stay valid, new messages follow it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const line = (k: string, v: string) => `${JSON.stringify({ k, v: Buffer.from(v).toString('base64'), h: { n: k } })}\n`;
    const old = line('k1', 'v1') + line('k2', 'v2') + line('k3', 'v3');
    mkdirSync(path.join(dir, 'offsets'), { recursive: true });
    writeFileSync(path.join(dir, 'a.log'), `${old}{"k":"torn`);
    // the old bus committed up to the end of the second line (offsets were byte positions)
    writeFileSync(path.join(dir, 'offsets', 'g.json'), JSON.stringify({ a: (line('k1', 'v1') + line('k2', 'v2')).length }));
    const bus = await open(dir);
    await bus.produce('a', [msg(4)]);
    expect((await bus.readAll('a')).map((m) => `${m.key}=${m.value.toString()}`)).toEqual(['k1=v1', 'k2=v2', 'k3=v3', 'k4=v4']);
    expect((await collect(bus, 'g', 2)).map((m) => m.key)).toEqual(['k3', 'k4']);
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

describe('embedded bus retention', () => {
  const seg = 4096;
  const big = (i: number) => ({ key: `k${String(i % 50)}`, value: Buffer.from(JSON.stringify({ i, pad: 'p'.repeat(500) })) });
  const segments = (dir: string, topic: string) => readdirSync(path.join(dir, topic)).filter((n) => n.endsWith('.seg'));
  const bytes = (dir: string, topic: string) => segments(dir, topic).reduce((n, f) => n + statSync(path.join(dir, topic, f)).size, 0);

  /** Consumes as `groupId` until a message satisfies `last`; returns what it got. */
  async function consumeUntil(bus: Bus, groupId: string, last: (m: InMessage) => boolean): Promise<InMessage[]> {
    const got: InMessage[] = [];
    const sub = await bus.consume({
      groupId,
      topics: ['a'],
      handler: (batch) => {
        if (got.some(last)) return Promise.reject(new Error('paused'));
        got.push(...batch.messages);
        return Promise.resolve();
      },
    });
    await waitFor(() => Promise.resolve(got.some(last)), { what: `${groupId} far enough` });
    await sub.stop();
    return got;
  }
  const index = (m: InMessage) => (JSON.parse(m.value.toString()) as { i: number }).i;

  it('rolls segments and deletes those every group has committed past (consumed), never one a group still needs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const bus = createEmbeddedBus({ dir, topics, logger: silentLogger(), segmentBytes: seg, cleanupIntervalMs: 50, policies: { a: { kind: 'consumed' } } });
    await bus.start();
    for (let i = 0; i < 100; i++) await bus.produce('a', [big(i)]);
    expect(segments(dir, 'a').length).toBeGreaterThan(10);
    const before = bytes(dir, 'a');
    // both groups are known (they have committed once); g2 reads to the middle, g1 to the end
    await consumeUntil(bus, 'g1', () => true);
    const g2 = await consumeUntil(bus, 'g2', (m) => index(m) >= 50);
    const g1 = await consumeUntil(bus, 'g1', (m) => index(m) === 99);
    expect(g1.map(index)).toContain(99);
    await new Promise((r) => setTimeout(r, 300));
    // what g2 has not read is all there
    const left = (await bus.readAll('a')).map(index);
    const g2Next = Math.max(...g2.map(index)) + 1;
    expect(left).toEqual(expect.arrayContaining(Array.from({ length: 100 - g2Next }, (_v, k) => g2Next + k)));
    expect(left[0]).toBeGreaterThan(0);
    expect(bytes(dir, 'a')).toBeLessThan(before);
    // once g2 is through too, only the active segment remains
    await consumeUntil(bus, 'g2', (m) => index(m) === 99);
    await waitFor(() => Promise.resolve(segments(dir, 'a').length === 1), { what: 'consumed segments deleted' });
    await bus.close();
  });

  it('keeps consumed events by size and time (retained), and a topic no group reads (the DLQ) by size and time alone', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    let clock = 1_000_000;
    const bus = createEmbeddedBus({
      dir,
      topics,
      logger: silentLogger(),
      segmentBytes: seg,
      cleanupIntervalMs: 50,
      now: () => clock,
      policies: { a: { kind: 'retained', keepMs: 60_000, keepBytes: 5 * seg, requireConsumed: true }, b: { kind: 'retained', keepMs: 60_000, keepBytes: 5 * seg, requireConsumed: false } },
    });
    await bus.start();
    for (let i = 0; i < 100; i++) await bus.produce('a', [big(i)]);
    for (let i = 0; i < 100; i++) await bus.produce('b', [big(i)]);
    // unconsumed events stay whatever their size; the DLQ shrinks to its size limit
    await waitFor(() => Promise.resolve(bytes(dir, 'b') <= 6 * seg), { what: 'DLQ cut to size' });
    expect(bytes(dir, 'a')).toBeGreaterThan(10 * seg);
    await collect(bus, 'g', 100);
    await waitFor(() => Promise.resolve(bytes(dir, 'a') <= 6 * seg), { what: 'consumed events cut to size' });
    expect(segments(dir, 'a').length).toBeGreaterThan(1);
    // and by age
    clock = Date.now() + 120_000;
    await waitFor(() => Promise.resolve(segments(dir, 'a').length === 1 && segments(dir, 'b').length === 1), { what: 'old segments deleted' });
    await bus.close();
  });

  it('compacts the state topic to the last value of each key, without deleted keys; a restart reads the same state', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bus-'));
    const policies = { a: { kind: 'compacted' as const, isTombstone: (m: { value: Buffer }) => m.value.toString() === 'null' } };
    let bus = createEmbeddedBus({ dir, topics, logger: silentLogger(), segmentBytes: seg, cleanupIntervalMs: 50, policies });
    await bus.start();
    for (let i = 0; i < 400; i++) await bus.produce('a', [big(i)]);
    await bus.produce('a', [{ key: 'k7', value: Buffer.from('null') }]);
    const expected = new Map<string, string>();
    for (const m of await bus.readAll('a')) expected.set(m.key, m.value.toString());
    expected.delete('k7');
    const written = 401 * 520;
    await waitFor(() => Promise.resolve(bytes(dir, 'a') < written / 2), { what: 'state compacted' });
    await bus.close();
    bus = createEmbeddedBus({ dir, topics, logger: silentLogger(), segmentBytes: seg, cleanupIntervalMs: 50, policies });
    await bus.start();
    const state = new Map<string, string>();
    for (const m of await bus.readAll('a')) {
      if (m.value.toString() === 'null') state.delete(m.key);
      else state.set(m.key, m.value.toString());
    }
    expect(state).toEqual(expected);
    expect(state.size).toBe(49);
    await bus.close();
  });
});
