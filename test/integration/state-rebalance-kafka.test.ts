// Stateful rules across a consumer-group rebalance on a real Kafka broker: two analyzers share the events
// topic; when one stops, the other takes its partitions and must carry on the windows the first one was
// counting. It can only do that by reading the compacted state topic when the partitions are assigned (a
// restore at its own start would be older than what the first analyzer wrote). Each partition's state is
// stored under its own prefix, so the test sees which partition, and so which analyzer, counted whom.
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createKafkaBus, messageKey, topicNames, type Bus, type ConsumeOptions } from '#shared/bus';
import type { Finding } from '#shared/contracts';
import { builtinRules, createEngine, defaultRuleSettings } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { createAnalyzer, type Analyzer } from '../../services/analyzer/src/consumer.js';
import { kafkaBrokerList, uniqueName, waitFor } from '../kafka/index.js';

const cluster = 'rebalance';
const threshold = 4;

const forbidden = (user: string, n: number) =>
  auditEventOf({
    auditID: `${user}-${String(n)}`,
    requestURI: '/api/v1/namespaces/default/secrets',
    user: { username: user, groups: ['system:authenticated'] },
    responseStatus: { code: 403 },
    annotations: { 'authorization.k8s.io/decision': 'forbid' },
    requestReceivedTimestamp: `2026-05-01T10:00:0${String(n)}.000000Z`,
    stageTimestamp: `2026-05-01T10:00:0${String(n)}.000000Z`,
  });

interface Member {
  bus: Bus;
  analyzer: Analyzer;
  /** Every assignment the member received, in order. */
  assignments: number[][];
}

describe('rule state on Kafka across a rebalance', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });

  it('a window counted by one analyzer is continued by the analyzer that takes its partitions (state read on assignment)', async () => {
    const prefix = `${uniqueName('rb')}.`;
    const topics = topicNames(prefix);
    const groupId = `${prefix}analyzer`;
    const all = allTopics(topics);
    const newBus = () =>
      createKafkaBus({ brokers: kafkaBrokerList(), clientId: uniqueName('rb'), topics: all, partitions: 4, compactedTopics: [topics.state], logger: silentLogger() });

    async function member(): Promise<Member> {
      const bus = newBus();
      await bus.start();
      stops.push(() => bus.close());
      const assignments: number[][] = [];
      // Observe the assignments the analyzer gets, passing them on untouched.
      const observed: Bus = Object.create(bus) as Bus;
      observed.consume = (o: ConsumeOptions) =>
        bus.consume({
          ...o,
          onAssign: async (a) => {
            assignments.push(a.map((x) => x.partition).sort());
            await o.onAssign?.(a);
          },
        });
      const engine = createEngine({ rules: builtinRules, settings: { ...defaultRuleSettings, forbiddenBurstThreshold: threshold } });
      const analyzer = createAnalyzer({ bus: observed, engine, topics, groupId, logger: silentLogger() });
      await analyzer.start();
      stops.push(() => analyzer.stop());
      return { bus, analyzer, assignments };
    }

    const a = await member();
    const b = await member();
    // Both in the group: the four partitions split between them.
    await waitFor(() => a.assignments.at(-1)?.length !== 4 && (a.assignments.at(-1)?.length ?? 0) > 0 && (b.assignments.at(-1)?.length ?? 0) > 0, {
      what: 'both analyzers assigned',
      timeoutMs: 60_000,
    });

    // Three denials (one short of the threshold) for each of twelve users, spread over the partitions.
    const users = Array.from({ length: 12 }, (_, i) => `user-${String(i)}`);
    const producer = newBus();
    await producer.start();
    stops.push(() => producer.close());
    await producer.produce(
      topics.events,
      users.flatMap((u) => [1, 2, 3].map((n) => ({ key: messageKey(cluster, u), value: Buffer.from(JSON.stringify(envelopeOf(forbidden(u, n), cluster))) }))),
    );
    // Each partition's state is its own, stored under its prefix: `p<partition>|forbidden-burst|<cluster>|<user>`.
    const counted = async () => {
      const keys = (await producer.readAll(topics.state)).map((m) => m.key);
      return new Map(users.flatMap((u) => keys.filter((k) => k.endsWith(`|forbidden-burst|${cluster}|${u}`)).map((k) => [u, Number(/^p(\d+)\|/.exec(k)?.[1])] as const)));
    };
    const partitionOf = await waitFor(async () => ((await counted()).size === users.length ? counted() : undefined), {
      what: 'every user counted by one of the analyzers',
      timeoutMs: 30_000,
    });
    const ofA = new Set(a.assignments.at(-1));
    const countedByA = users.filter((u) => ofA.has(partitionOf.get(u) ?? -1));
    expect(countedByA.length, 'some users are on the first analyzer’s partitions only').toBeGreaterThan(0);

    // The first analyzer leaves: the second takes every partition, and with it the first one's windows.
    const before = b.assignments.length;
    await a.analyzer.stop();
    await waitFor(() => b.assignments.length > before && b.assignments.at(-1)?.length === 4, { what: 'rebalance to the second analyzer', timeoutMs: 60_000 });

    await producer.produce(
      topics.events,
      countedByA.map((u) => ({ key: messageKey(cluster, u), value: Buffer.from(JSON.stringify(envelopeOf(forbidden(u, 4), cluster))) })),
    );
    const bursts = await waitFor(
      async () => {
        const found = (await b.bus.readAll(topics.findings))
          .map((m) => JSON.parse(m.value.toString('utf8')) as Finding)
          .filter((f) => f.ruleId === 'forbidden-burst');
        return found.length >= countedByA.length ? found : undefined;
      },
      { what: 'forbidden-burst for every user the first analyzer had counted', timeoutMs: 30_000 },
    );
    expect(bursts.map((f) => f.user).sort()).toEqual([...countedByA].sort());
    expect(bursts.every((f) => f.auditId.endsWith('-4'))).toBe(true);
  });
});
