// The store stages a record or finding as the bytes it received when they are one line of well-formed
// JSON, and writes it again only when not; either way the stored row is the same.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { createEngine } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { openDatabase, stagedAsIs } from '#shared/storage';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { createSink } from '../../services/store/src/sink.js';
import { waitFor } from '../helpers/wait-for.js';

describe('staging as received', () => {
  it('takes one line of JSON as it is, and not JSON spread over lines or holding a surrogate’s escape', () => {
    expect(stagedAsIs(Buffer.from(JSON.stringify({ record: { a: 'x\ny' }, event: {} })))).toBe(true);
    expect(stagedAsIs(Buffer.from(JSON.stringify({ a: 'tab\there \\u0041 \u00e9' })))).toBe(true);
    expect(stagedAsIs(Buffer.from(JSON.stringify({ a: 1 }, null, 2)))).toBe(false);
    expect(stagedAsIs(Buffer.from('{"a":1}\r'))).toBe(false);
    expect(stagedAsIs(Buffer.from(JSON.stringify({ a: 'cut \ud83d' })))).toBe(false);
    expect(stagedAsIs(Buffer.from('{"a":"\\uD83D\\uDE00"}'))).toBe(false);
  });

  it('stores the same rows whether a message was staged as received or written again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-staging-'));
    const topics = topicNames('st.');
    const bus = createEmbeddedBus({ dir: path.join(dir, 'bus'), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const db = await openDatabase(path.join(dir, 'store.duckdb'));
    const sink = createSink({ bus, db, topics, groupId: 'st.store', logger: silentLogger() });
    const engine = createEngine();
    const analysed = (auditID: string) => engine.analyze(envelopeOf(auditEventOf({ auditID, user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })));
    const shapes: Record<string, (m: object) => string> = {
      compact: (m) => JSON.stringify(m),
      pretty: (m) => JSON.stringify(m, null, 2),
      reordered: (m) => JSON.stringify(Object.fromEntries(Object.entries(m).reverse())),
    };
    try {
      const records = Object.entries(shapes).map(([id, shape]) => {
        const a = analysed(id);
        return { key: id, value: Buffer.from(shape({ record: a.record, event: a.event })), findings: a.findings.map((f) => ({ key: id, value: Buffer.from(shape(f)) })) };
      });
      expect(records.every((r) => r.findings.length > 0)).toBe(true);
      expect(records.map((r) => stagedAsIs(r.value))).toEqual([true, false, true]);
      await bus.produce(topics.records, records);
      await bus.produce(topics.findings, records.flatMap((r) => r.findings));
      await sink.start();
      const rows = await waitFor(async () => {
        const r = await db.query('SELECT * EXCLUDE (audit_id, event_digest, raw), raw::VARCHAR AS raw FROM records ORDER BY audit_id');
        return r.length === 3 ? r : undefined;
      }, { what: 'the three records' });
      const same = (r: Record<string, unknown>) => ({ ...r, raw: JSON.parse(String(r.raw).replaceAll(/"auditID":"[a-z]+"/g, '"auditID":"x"')) as unknown });
      expect(same(rows[1] ?? {})).toEqual(same(rows[0] ?? {}));
      expect(same(rows[2] ?? {})).toEqual(same(rows[0] ?? {}));
      const findings = await waitFor(async () => {
        const f = await db.query('SELECT * EXCLUDE (id, audit_id) FROM findings ORDER BY audit_id, rule_id');
        return f.length === 3 * (records[0]?.findings.length ?? 0) ? f : undefined;
      }, { what: 'the findings' });
      const per = records[0]?.findings.length ?? 0;
      const summaries = (k: number) => findings.slice(k * per, (k + 1) * per).map((f) => ({ ...f, summary: String(f.summary).replaceAll(/compact|pretty|reordered/g, 'x') }));
      expect(summaries(1)).toEqual(summaries(0));
      expect(summaries(2)).toEqual(summaries(0));
      expect(findings.every((f) => typeof f.severity_rank === 'number' && f.severity_rank >= 0)).toBe(true);
    } finally {
      await sink.stop();
      await db.close();
      await bus.close();
    }
  });
});
