// A producer send is one record batch per partition, which the broker refuses above its message size limit
// (1 MiB by default): the Kafka adapter sends in chunks under maxSendBytes, in order, none lost.
import { describe, expect, it } from 'vitest';
import { chunksOf, maxSendBytes } from '../../shared/bus/kafka/index.js';

const message = (i: number, bytes: number) => ({ key: `k${String(i)}`, value: Buffer.alloc(bytes, 1) });

describe('Kafka produce chunks', () => {
  it('splits a large batch into chunks under the limit, keeping every message in order', () => {
    const messages = Array.from({ length: 500 }, (_, i) => message(i, 2_000));
    const chunks = chunksOf(messages, maxSendBytes);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.reduce((n, m) => n + m.value.length, 0)).toBeLessThanOrEqual(maxSendBytes);
    expect(chunks.flat().map((m) => m.key)).toEqual(messages.map((m) => m.key));
  });

  it('sends a message larger than the limit on its own, and a small batch in one send', () => {
    expect(chunksOf([message(0, 10), message(1, maxSendBytes * 2), message(2, 10)], maxSendBytes).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(chunksOf([message(0, 10), message(1, 10)], maxSendBytes)).toHaveLength(1);
    expect(chunksOf([], maxSendBytes)).toEqual([]);
  });
});
