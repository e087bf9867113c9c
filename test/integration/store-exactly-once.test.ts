// The store's exactly-once sink on a real Kafka broker and DuckDB file: the store process is killed
// with SIGKILL while it consumes; after a restart every record is stored exactly once and the stored
// consumer positions equal the end of each partition.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordMessage } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { envelopeOf, repoRoot } from '#shared/testing';
import { kafkaBrokerList, uniqueName, waitFor } from '../kafka/index.js';
import { freePort } from '../helpers/free-port.js';
import { kafkaServiceEnv, startServiceProcess } from '../helpers/service-process.js';

const { Kafka, logLevel } = kafkajs;
const main = path.join(repoRoot, 'dist', 'services', 'store', 'src', 'main.js');
const total = 6000;
const token = 'exactly-once-admin-token-0123456789';

function recordMessage(i: number): RecordMessage {
  const event = {
    auditID: `eo-${String(i)}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/ns-${String(i % 7)}/configmaps`,
    verb: 'list',
    user: { username: `user-${String(i % 13)}`, groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.1'],
    responseStatus: { code: 200 },
    stageTimestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
  };
  const { record } = createEngine().analyze(envelopeOf(event, 'eo'));
  return { record, event };
}

describe('store exactly-once sink', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('loses and duplicates nothing when the store is killed mid-stream and restarted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-eo-'));
    const prefix = `${uniqueName('eo')}.`;
    const port = await freePort();
    const env = kafkaServiceEnv(prefix, { KAUDIT_DATA_DIR: dir, KAUDIT_API_PORT: String(port), KAUDIT_API_TOKENS: `admin:admin=${token}` });
    const start = () => startServiceProcess(main, env, port, children);
    const storedCount = async () => {
      const r = await fetch(`http://127.0.0.1:${String(port)}/v1/events?limit=1&since=2026-11-01T00:00:00Z`, { headers: { authorization: `Bearer ${token}` } });
      return r.status === 200 ? ((await r.json()) as { items: unknown[] }).items.length : 0;
    };

    const first = await start(); // creates the topics
    const producer = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    for (let i = 0; i < total; i += 500) {
      await producer.send({
        topic: `${prefix}records`,
        acks: -1,
        messages: Array.from({ length: 500 }, (_, j) => {
          const m = recordMessage(i + j);
          return { key: `eo/${m.record.user}`, value: JSON.stringify(m) };
        }),
      });
    }
    await producer.disconnect();

    // kill -9 as soon as the store has written something
    await waitFor(async () => (await storedCount()) > 0, { what: 'the first rows', timeoutMs: 60_000, intervalMs: 20 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = await start();
    const admin = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(`${prefix}records`);
    await admin.disconnect();
    // wait until the store's group has consumed to the end of every partition
    await waitFor(
      async () => {
        const a = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).admin();
        await a.connect();
        try {
          const [group] = await a.fetchOffsets({ groupId: `${prefix}store`, topics: [`${prefix}records`] });
          return ends.every((e) => group?.partitions.find((p) => p.partition === e.partition)?.offset === e.high);
        } finally {
          await a.disconnect();
        }
      },
      { what: 'the store to consume everything', timeoutMs: 90_000, intervalMs: 250 },
    );
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const db = await DuckDBInstance.create(path.join(dir, 'kaudit.duckdb'));
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll('SELECT count(*)::INTEGER AS n, count(DISTINCT audit_id)::INTEGER AS ids FROM records')).getRowObjectsJson()[0];
    const positions = (await conn.runAndReadAll('SELECT "partition" AS p, next_offset AS next FROM consumer_offsets WHERE topic = $1 ORDER BY 1', [`${prefix}records`])).getRowObjectsJson();
    conn.closeSync();
    db.closeSync();
    expect(rows).toEqual({ n: total, ids: total });
    expect(positions).toEqual(ends.filter((e) => e.high !== '0').map((e) => ({ p: e.partition, next: e.high })).sort((a, b) => a.p - b.p));
  });
});
