// Replay --from-kafka against the real broker: the CLI (built entry in dist/) reads the events topic with a
// reader of its own and must produce the live pipeline's findings, without moving the live analyzer's
// consumer group; the range is found with the broker's time index and then filtered on event time.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics, createKafkaBus, messageKey, topicNames } from '#shared/bus';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { silentLogger } from '#shared/logging';
import { openDatabase } from '#shared/storage';
import { auditEventOf, corpusBatch, envelopeOf, eventList, repoRoot } from '#shared/testing';
import type { ReplaySummary } from '../../services/replay/src/replay.js';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { kafkaBrokerList, kafkaBrokers, uniqueName, waitFor } from '../kafka/index.js';

const { Kafka, logLevel } = kafkajs;
const cli = path.join(repoRoot, 'dist', 'services', 'replay', 'src', 'main.js');
const run = promisify(execFile);

async function replayCli(prefix: string, args: string[]): Promise<ReplaySummary> {
  const { stdout } = await run(process.execPath, [cli, '--from-kafka', '--json', ...args], {
    env: { ...process.env, KAFKA_BROKERS: kafkaBrokers(), KAUDIT_TOPIC_PREFIX: prefix },
  });
  return JSON.parse(stdout) as ReplaySummary;
}

describe('replay --from-kafka', () => {
  const admin = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).admin();
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  describe('beside a live pipeline', () => {
    let p: Pipeline;
    let prefix: string;
    beforeAll(async () => {
      p = await startPipeline({ brokers: kafkaBrokerList() });
      prefix = p.topics.events.slice(0, -'events'.length);
    });
    afterAll(async () => {
      await p.stop();
    });

    it('finds exactly what the live pipeline found, and leaves the analyzer’s consumer group where it was (live-vs-replay equality)', async () => {
      const batch = corpusBatch();
      expect((await postEvents(p, eventList(batch.items))).status).toBe(200);
      await waitFor(async () => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000')).items.length === batch.valid, {
        what: 'every record stored',
      });
      // Findings are written with their records; wait until two polls agree.
      let previous = -1;
      const live = await waitFor(
        async () => {
          const items = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items;
          const stable = items.length === previous;
          previous = items.length;
          return stable && items.length > 0 ? items : undefined;
        },
        { what: 'live findings settled', intervalMs: 500 },
      );
      const groupId = `${prefix}analyzer`;
      const committed = async () =>
        JSON.stringify((await admin.fetchOffsets({ groupId, topics: [p.topics.events] })).flatMap((t) => t.partitions).sort((a, b) => a.partition - b.partition));
      const before = await committed();

      const dbFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-rk-')), 'replay.duckdb');
      const summary = await replayCli(prefix, ['--since', '2000-01-01T00:00:00Z', '--db', dbFile]);
      expect(summary.events).toBe(batch.valid);
      expect(summary.malformed.count).toBe(0);

      // Two rules watch a cluster's whole stream and report on the first event that shows something, so which
      // event carries the finding depends on processing order across partitions: audit-silence (gaps in
      // event time) and plaintext-ingest (once per cluster and hour of receipt). The live analyzer sees events
      // in arrival order, partition by partition (this batch mixes events from 2018 to 2026); replay sees
      // them in event-time order. Every other finding must be identical, ids included.
      const db = await openDatabase(dbFile);
      try {
        const replayed = (await db.query("SELECT id, rule_id, cluster, audit_id FROM findings WHERE rule_id NOT IN ('audit-silence', 'plaintext-ingest') ORDER BY id")).map(
          (r) => `${String(r.id)} ${String(r.rule_id)} ${String(r.cluster)} ${String(r.audit_id)}`,
        );
        const expected = live
          .filter((f) => f.ruleId !== 'audit-silence' && f.ruleId !== 'plaintext-ingest')
          .map((f) => `${f.id} ${f.ruleId} ${f.cluster} ${f.auditId}`)
          .sort();
        expect(replayed).toEqual(expected);
        expect(await db.query("SELECT count(*)::INTEGER AS n FROM findings WHERE rule_id = 'plaintext-ingest'")).toEqual([{ n: 1 }]);
        for (const e of batch.expectedFindings) expect(replayed.some((r) => r.includes(` ${e.ruleId} `) && r.endsWith(` ${e.auditId}`)), `${e.ruleId} ${e.auditId}`).toBe(true);
      } finally {
        await db.close();
      }

      // The live group did not move, the replay's own group is gone, and the live pipeline carries on.
      expect(await committed()).toBe(before);
      expect((await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes('kaudit-replay'))).toEqual([]);
      const marker = { ...(batch.items.find((i) => (i as { auditID?: string }).auditID) as object), auditID: 'after-replay-marker' };
      expect((await postEvents(p, eventList([marker]))).status).toBe(200);
      await waitFor(async () => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000')).items.length === batch.valid + 1, {
        what: 'the live pipeline processing a batch posted after the replay',
      });
    });
  });

  it('reads the part of the topic the broker’s time index gives for --since/--until (widened), then keeps events by event time', async () => {
    const prefix = `${uniqueName('rt')}.`;
    const topics = topicNames(prefix);
    const bus = createKafkaBus({
      brokers: kafkaBrokerList(),
      clientId: uniqueName('rt'),
      topics: allTopics(topics),
      partitions: 2,
      compactedTopics: [topics.state],
      logger: silentLogger(),
    });
    await bus.start();
    await bus.close();
    const hour = 3_600_000;
    const t0 = Date.now() - 6 * hour;
    // Appended (message timestamp) and happened (event time) at t0, t0+1h, t0+2h, t0+3h.
    const event = (i: number) =>
      auditEventOf({ auditID: `range-${String(i)}`, user: { username: `user-${String(i)}`, groups: ['system:authenticated'] }, stageTimestamp: new Date(t0 + i * hour).toISOString() });
    const producer = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topics.events,
        messages: [0, 1, 2, 3].map((i) => ({
          key: messageKey('range', `user-${String(i)}`),
          value: JSON.stringify(envelopeOf(event(i), 'range')),
          timestamp: String(t0 + i * hour),
        })),
      });
    } finally {
      await producer.disconnect();
    }
    const dbFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-rt-')), 'replay.duckdb');
    // [t0+1h-5m, t0+2h-5m): the read covers appends from t0+1h-15m to t0+2h+5m (events 1 and 2); event 2 is
    // after --until by event time. Events 0 and 3 are never read.
    const summary = await replayCli(prefix, ['--since', new Date(t0 + hour - 300_000).toISOString(), '--until', new Date(t0 + 2 * hour - 300_000).toISOString(), '--db', dbFile]);
    expect({ events: summary.events, skippedByTime: summary.skippedByTime }).toEqual({ events: 1, skippedByTime: 1 });
    const db = await openDatabase(dbFile);
    try {
      expect(await db.query('SELECT audit_id, cluster FROM records')).toEqual([{ audit_id: 'range-1', cluster: 'range' }]);
    } finally {
      await db.close();
    }
  });
});
