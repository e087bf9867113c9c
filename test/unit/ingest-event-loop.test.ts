// A large batch must not hold the event loop: ingest validates, redacts and serialises its items in slices,
// giving the loop a turn between them, so other requests (the API server's next batch, /readyz) are served
// meanwhile. Counted by a setImmediate ticker, which only runs when the loop gets a turn, read by the
// redaction each item goes through.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { createRedaction } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { auditEventOf, eventList } from '#shared/testing';
import { yieldEvery } from '../../services/ingest/src/accept-batch.js';
import { buildIngestApp } from '../../services/ingest/src/app.js';

describe('ingest and the event loop', () => {
  it(`gives the event loop a turn every ${String(yieldEvery)} items of a 5000-item batch, and /readyz answers before the batch is done`, async () => {
    const topics = topicNames('l.');
    const bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-loop-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const token = 'loop-token-0123456789abcdef';
    let turns = 0;
    const seen = new Set<number>();
    const redaction = createRedaction();
    const app = buildIngestApp({
      bus,
      topics,
      tokens: [{ cluster: 'c', token }],
      bodyLimit: 64 * 1024 * 1024,
      logger: silentLogger(),
      // the turns of the loop each item was validated in
      redaction: { ...redaction, event: (e) => (seen.add(turns), redaction.event(e)) },
    });
    try {
      const body = JSON.stringify(eventList(Array.from({ length: 5000 }, (_v, i) => auditEventOf({ auditID: `loop-${String(i)}`, userAgent: 'x'.repeat(200) }))));
      let ticking = true;
      const tick = () => {
        turns++;
        if (ticking) setImmediate(tick);
      };
      const order: string[] = [];
      const batch = app.inject({ method: 'POST', url: '/v1/webhook', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: body }).then((r) => {
        order.push('batch');
        return r;
      });
      // once the batch is being validated (the loop's first turns), ask for /readyz
      await new Promise((r) => setImmediate(r));
      const before = turns;
      setImmediate(tick);
      const ready = app.inject({ method: 'GET', url: '/readyz' }).then((r) => {
        order.push('readyz');
        return r;
      });
      const [res, readyRes] = await Promise.all([batch, ready]);
      ticking = false;
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ accepted: 5000 });
      expect(readyRes.statusCode).toBe(200);
      expect(order).toEqual(['readyz', 'batch']);
      expect(turns).toBeGreaterThan(before);
      // the 5000 items were validated over at least 5000 / yieldEvery turns of the loop
      expect(seen.size).toBeGreaterThanOrEqual(Math.floor(5000 / 200) - 1);
      expect(yieldEvery).toBeLessThanOrEqual(200);
    } finally {
      await app.close();
      await bus.close();
    }
  });
});
