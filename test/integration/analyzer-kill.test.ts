// No loss, no duplicates when the analyzer dies mid-stream (microservice mode, real Kafka, real DuckDB): the
// analyzer process (built entry) is killed with SIGKILL while it works through the events topic and started
// again; its outputs are at-least-once on the topics (a batch whose offsets were not committed is analysed
// again), and the store's keyed, exactly-once sink turns that into exactly one record per event and each
// finding exactly once.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allTopics, createKafkaBus, groupIds, messageKey, topicNames } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { openDatabase } from '#shared/storage';
import { auditEventOf, envelopeOf, repoRoot } from '#shared/testing';
import { createSink } from '../../services/store/src/sink.js';
import { kafkaBrokerList, uniqueName, waitFor } from '../kafka/index.js';
import { freePort } from '../helpers/free-port.js';
import { kafkaServiceEnv, startServiceProcess } from '../helpers/service-process.js';

const main = path.join(repoRoot, 'dist', 'services', 'analyzer', 'src', 'main.js');
const total = 6000;

/** An anonymous request that was allowed: one anonymous-request-allowed finding each. */
const event = (i: number) =>
  auditEventOf({
    auditID: `ak-${String(i)}`,
    requestURI: `/api/v1/namespaces/ns-${String(i % 5)}/configmaps`,
    user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    sourceIPs: [`198.51.100.${String(i % 200)}`],
    annotations: { 'authorization.k8s.io/decision': 'allow' },
    stageTimestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
  });

describe('analyzer killed mid-stream', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('after SIGKILL and restart, every event has exactly one record and its finding exactly once in the store (analyzer killed mid-batch)', async () => {
    const prefix = `${uniqueName('ak')}.`;
    const topics = topicNames(prefix);
    const all = allTopics(topics);
    const bus = createKafkaBus({ brokers: kafkaBrokerList(), clientId: uniqueName('ak'), topics: all, partitions: 3, compactedTopics: [topics.state], logger: silentLogger() });
    await bus.start();
    const port = await freePort();
    const env = kafkaServiceEnv(prefix, { KAUDIT_ANALYZER_PORT: String(port), KAUDIT_REDACTION_KEY: 'analyzer-kill-test-redaction-key-0123456789' });
    const start = () => startServiceProcess(main, env, port, children);
    const produced = async (topic: string) => (await bus.readAll(topic)).length;

    const first = await start();
    for (let i = 0; i < total; i += 500) {
      await bus.produce(
        topics.events,
        Array.from({ length: 500 }, (_, j) => ({ key: messageKey('ak', 'system:anonymous'), value: Buffer.from(JSON.stringify(envelopeOf(event(i + j), 'ak'))) })),
      );
    }
    // Kill it once it is part-way through.
    await waitFor(async () => (await produced(topics.records)) > 0, { what: 'the analyzer at work', timeoutMs: 60_000, intervalMs: 20 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await produced(topics.records);
    expect(atKill).toBeLessThan(total);

    await start();
    await waitFor(async () => (await produced(topics.records)) >= total, { what: 'every event analysed after the restart', timeoutMs: 90_000, intervalMs: 500 });

    // The store's sink over the same topics, into a DuckDB file.
    const db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-ak-')), 'k.duckdb'));
    const sink = createSink({ bus, db, topics, groupId: groupIds(prefix).store, logger: silentLogger() });
    await sink.start();
    try {
      const counts = async () => {
        const [r] = await db.query('SELECT count(*)::INTEGER AS n, count(DISTINCT audit_id)::INTEGER AS d FROM records');
        const [f] = await db.query("SELECT count(*)::INTEGER AS n, count(DISTINCT audit_id)::INTEGER AS d FROM findings WHERE rule_id = 'anonymous-request-allowed'");
        return { records: r, findings: f };
      };
      const settled = await waitFor(
        async () => {
          const c = await counts();
          return c.records?.n === total && c.findings?.n === total ? c : undefined;
        },
        { what: 'the store caught up', timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(settled).toEqual({ records: { n: total, d: total }, findings: { n: total, d: total } });
      // the topics themselves may hold a batch twice (analysed again after the kill): the store absorbs it
      expect(await produced(topics.records)).toBeGreaterThanOrEqual(total);
      expect(await produced(topics.dlq)).toBe(0);
    } finally {
      await sink.stop();
      await db.close();
      await bus.close();
    }
  });
});
