// Acceptance (#16): "kill -9 during each pull source loses and duplicates nothing", for the AKS source:
// npm start's process reads an Event Hub (a real Kafka broker's SASL_SSL listener, PLAIN user
// `$ConnectionString`: test/kafka/own-broker.ts) and is killed with SIGKILL while it consumes; after a
// restart every event of the hub is stored exactly once, and the source's consumer group has committed the
// end of every partition.
// Events from ../shared/corpus/sysdig-aks-audit-log/event.json (an Event Hubs batch of 22 AKS diagnostic
// records), sent 150 times with each event's auditID made unique.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDir } from '#shared/testing';
import { startStandalone, stop, stopAll, tokenOf } from '../helpers/standalone-process.js';
import { startOwnBroker, type OwnBroker } from '../kafka/own-broker.js';
import { uniqueName, waitFor } from '../kafka/index.js';

const { Kafka, logLevel } = kafkajs;
const copies = 150;
const batch = JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'event.json'), 'utf8')) as { records: { properties: { log: string } }[] };
const perCopy = batch.records.length;

/** The corpus batch with every event's auditID suffixed by `copy`. */
function copyOf(copy: number): string {
  return JSON.stringify({
    records: batch.records.map((r) => {
      const event = JSON.parse(r.properties.log) as { auditID: string };
      return { ...r, properties: { ...r.properties, log: JSON.stringify({ ...event, auditID: `${event.auditID}-${String(copy)}` }) } };
    }),
  });
}

let broker: OwnBroker;
beforeAll(async () => {
  broker = await startOwnBroker({ security: true });
}, 10 * 60_000);
afterAll(async () => {
  await stopAll();
  await broker.stop();
});

describe('AKS source under kill -9', () => {
  it('loses and duplicates nothing when npm start is killed mid-stream and restarted', async () => {
    const sec = broker.security ?? {};
    const hub = uniqueName('aks-kill');
    const kafka = new Kafka({ clientId: 'aks-kill-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: hub, numPartitions: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    for (let c = 0; c < copies; c += 10) {
      await producer.send({ topic: hub, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: copyOf(c + i) })) });
    }
    await producer.disconnect();

    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-aks-kill-'));
    const env = {
      KAUDIT_AKS_BROKERS: sec.KAFKA_SASL_SSL_BROKERS ?? '',
      KAUDIT_AKS_TOPIC: hub,
      KAUDIT_AKS_CONNECTION_STRING: sec.KAFKA_TEST_EVENTHUBS_CONNECTION_STRING ?? '',
      KAUDIT_AKS_TLS_CA_FILE: sec.KAFKA_TEST_CA_FILE ?? '',
    };
    const first = await startStandalone(cwd, env);
    const token = tokenOf(cwd, 'api-tokens', 'admin:');
    const someStored = async () => {
      const r = await first.fetch(`${first.api}/v1/events?limit=1`, { headers: { authorization: `Bearer ${token}` } });
      return r.status === 200 && ((await r.json()) as { items: unknown[] }).items.length > 0;
    };
    // kill -9 as soon as the store has written something
    await waitFor(someStored, { what: 'the first AKS events stored', timeoutMs: 90_000, intervalMs: 20 });
    await stop(first.child, 'SIGKILL');
    const ends = await admin.fetchTopicOffsets(hub);
    const end = ends.reduce((n, p) => n + Number(p.offset), 0);
    const committed = async () => {
      const [t] = await admin.fetchOffsets({ groupId: 'kaudit-aks', topics: [hub] });
      return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    };

    const second = await startStandalone(cwd, env);
    await waitFor(async () => (await committed()) === end, { what: 'the hub consumed to its end', timeoutMs: 120_000 });
    // every event through to the store: page through the query API until all are there
    const storedIds = async () => {
      const ids = new Set<string>();
      let cursor: string | null = null;
      do {
        const q: string = `${second.api}/v1/events?limit=1000&since=2020-01-01T00:00:00Z${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const r = await second.fetch(q, { headers: { authorization: `Bearer ${token}` } });
        if (r.status !== 200) return ids.size;
        const body = (await r.json()) as { items: { auditId: string }[]; nextCursor: string | null };
        for (const i of body.items) ids.add(i.auditId);
        cursor = body.nextCursor;
      } while (cursor !== null);
      return ids.size;
    };
    await waitFor(async () => (await storedIds()) === copies * perCopy, { what: `${String(copies * perCopy)} events stored`, timeoutMs: 120_000, intervalMs: 500 });
    await stop(second.child);
    await admin.disconnect();

    const db = await DuckDBInstance.create(path.join(cwd, 'data', 'kaudit.duckdb'));
    const conn = await db.connect();
    const [row] = (await conn.runAndReadAll('SELECT count(*)::INTEGER AS n, count(DISTINCT audit_id)::INTEGER AS ids, min(cluster) AS c FROM records')).getRowObjectsJson();
    conn.closeSync();
    db.closeSync();
    expect(row).toEqual({ n: copies * perCopy, ids: copies * perCopy, c: 'kubetest' });
  }, 300_000);
});
