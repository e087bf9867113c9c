// No row can stop the store: the contracts hold what the columns hold (a responseStatus.code past int32 is
// refused at ingest, not by DuckDB), a batch the database refuses anyway is split down to the refused rows,
// which go to the DLQ with the reason while the rest and everything after are stored, and a consumer stuck
// on a failing batch shows in /readyz and in the metrics.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { auditEventParser, recordMessageParser } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { createHttpApp, registerHealthRoutes } from '#shared/http';
import { createConsumerMetrics } from '#shared/metrics';
import { silentLogger } from '#shared/logging';
import { createTableSql, openDatabase, rawColumn, recordColumns, recordKey } from '#shared/storage';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { createSink } from '../../services/store/src/sink.js';
import { waitFor } from '../helpers/wait-for.js';

describe('contracts and columns agree', () => {
  it('refuses a response code past a 32-bit integer in events, records and findings', () => {
    expect(auditEventParser.safeParse(auditEventOf({ responseStatus: { code: 2147483648 } })).success).toBe(false);
    expect(auditEventParser.safeParse(auditEventOf({ responseStatus: { code: 2147483647 } })).success).toBe(true);
    const { record, event } = createEngine().analyze(envelopeOf(auditEventOf({})));
    expect(recordMessageParser.safeParse({ record: { ...record, responseCode: 2147483648 }, event }).success).toBe(false);
  });
});

describe('the store sink', () => {
  it('dead-letters the one row the database refuses, stores the rest of its batch and what comes after', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-nostall-'));
    const file = path.join(dir, 'store.duckdb');
    // A records table that refuses one value (as a column type refused 2147483648 before the contracts agreed)
    const instance = await DuckDBInstance.create(file);
    const conn = await instance.connect();
    await conn.run(createTableSql('records', [...recordColumns, rawColumn], recordKey).replace(/\)$/, `, CHECK ("user" <> 'poison'))`));
    conn.closeSync();
    instance.closeSync();

    const topics = topicNames('ns.');
    const bus = createEmbeddedBus({ dir: path.join(dir, 'bus'), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const db = await openDatabase(file);
    const registry = new Registry();
    const sink = createSink({ bus, db, topics, groupId: 'ns.store', logger: silentLogger(), metrics: createConsumerMetrics(registry, 'store') });
    const engine = createEngine();
    const message = (auditID: string, user: string) => {
      const a = engine.analyze(envelopeOf(auditEventOf({ auditID, user: { username: user } })));
      return { key: `test/${user}`, value: Buffer.from(JSON.stringify({ record: a.record, event: a.event })) };
    };
    try {
      await bus.produce(topics.records, ['r1', 'r2', 'bad', 'r3', 'r4', 'r5', 'r6'].map((id) => message(id, id === 'bad' ? 'poison' : 'jane')));
      await sink.start();
      const ids = async () => (await db.query('SELECT audit_id FROM records ORDER BY audit_id')).map((r) => r.audit_id);
      await waitFor(async () => (await ids()).length === 6, { what: 'the six good rows' });
      const dlq = await waitFor(async () => { const m = await bus.readAll(topics.dlq); return m.length === 1 ? m : undefined; }, { what: 'the refused row in the DLQ' });
      const dead = dlq[0];
      expect(dead?.headers['kaudit-dlq-step']?.toString()).toBe('store-write');
      expect(dead?.headers['kaudit-dlq-reason']?.toString()).toMatch(/CHECK constraint/);
      expect(JSON.parse(dead?.value.toString() ?? '{}')).toMatchObject({ record: { auditId: 'bad' } });

      // the partition goes on
      await bus.produce(topics.records, [message('after', 'jane')]);
      await waitFor(async () => (await ids()).includes('after'), { what: 'the row after' });
      expect(await ids()).toEqual(['after', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
      expect(await registry.metrics()).toMatch(/kaudit_consumer_messages_total\{component="store",topic="ns.records",outcome="dlq"\} 1/);
    } finally {
      await sink.stop();
      await db.close();
      await bus.close();
    }
  });
});

describe('a stalled consumer', () => {
  it('shows in the metrics and in /readyz while its batch keeps failing, and clears once it is handled', async () => {
    let clock = 1_000_000;
    const registry = new Registry();
    const metrics = createConsumerMetrics(registry, 'store', { stallAfterMs: 60_000, now: () => clock });
    const batch = { topic: 'kaudit.records', partition: 2, messages: [{ offset: '40' }], next: '41', highWatermark: '100' };
    const app = createHttpApp({ logger: silentLogger() });
    registerHealthRoutes(app, { isReady: () => true, registry, stalled: () => metrics.stalled() });
    const readyz = async () => { const r = await app.inject({ url: '/readyz' }); return { status: r.statusCode, body: r.json<{ status: string; stalled?: string[] }>() }; };

    metrics.failed(batch);
    expect(await registry.metrics()).toMatch(/kaudit_consumer_lag\{component="store",topic="kaudit.records",partition="2"\} 60/);
    expect((await readyz()).status).toBe(200);
    clock += 61_000;
    metrics.failed(batch);
    expect(await readyz()).toEqual({ status: 503, body: { status: 'stalled', stalled: ['kaudit.records/2 for 61 s'] } });
    const text = await registry.metrics();
    expect(text).toMatch(/kaudit_consumer_stalled\{component="store"\} 1/);
    expect(text).toMatch(/kaudit_consumer_failures_total\{component="store",topic="kaudit.records"\} 2/);

    metrics.observe(batch, 0.01, { stored: 1 });
    expect((await readyz()).status).toBe(200);
    expect(await registry.metrics()).toMatch(/kaudit_consumer_stalled\{component="store"\} 0/);
    await app.close();
  });
});
