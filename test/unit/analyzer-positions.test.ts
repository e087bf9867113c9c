// The analyzer's position per partition (services/analyzer/src/consumer.ts): after a chunk's outputs are
// acknowledged it writes the chunk's state with `p<partition>|offset`; an analyzer that starts where the
// bus's committed offset is older (it stopped between the two) skips what the position covers, whose
// outputs are on the bus already. And after a failed batch it starts the partition again from the topic.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, messageKey, topicNames, type Bus } from '#shared/bus';
import type { NormalizedRecord } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { createAnalyzer, type Analyzer } from '../../services/analyzer/src/consumer.js';
import { waitFor } from '../helpers/wait-for.js';

const topics = topicNames('pos.');
const message = (auditID: string) => ({ key: messageKey('c', 'jane'), value: Buffer.from(JSON.stringify(envelopeOf(auditEventOf({ auditID }), 'c'))) });
const recordIds = async (bus: Bus) => (await bus.readAll(topics.records)).map((m) => (JSON.parse(m.value.toString('utf8')) as { record: NormalizedRecord }).record.auditId);

describe('analyzer: a partition’s position in the state topic', () => {
  let bus: Bus | undefined;
  let analyzer: Analyzer | undefined;
  afterEach(async () => {
    await analyzer?.stop();
    await bus?.close();
  });

  it('writes the position after the outputs, and skips what a position covers when the committed offset is behind it', async () => {
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-pos-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    // a previous analyzer analysed the first two events (their records are on the bus) and wrote its
    // position, but stopped before the bus committed its offset
    await bus.produce(topics.events, ['e1', 'e2', 'e3', 'e4'].map(message));
    const written = await bus.readAll(topics.events);
    const after = (i: number) => (BigInt(written[i]?.offset ?? '0') + 1n).toString();
    await bus.produce(topics.state, [{ key: 'p0|offset', value: Buffer.from(JSON.stringify(after(1))) }]);
    analyzer = createAnalyzer({ bus, engine: createEngine(), topics, groupId: 'pos.analyzer', logger: silentLogger() });
    await analyzer.start();
    const ids = await waitFor(async () => {
      const r = await recordIds(bus as Bus);
      return r.length >= 2 ? r : undefined;
    }, { what: 'the events after the position analysed' });
    expect(ids).toEqual(['e3', 'e4']);
    const position = async () => {
      const last = (await (bus as Bus).readAll(topics.state)).filter((m) => m.key === 'p0|offset').at(-1);
      return last === undefined ? undefined : (JSON.parse(last.value.toString('utf8')) as string);
    };
    await waitFor(async () => (await position()) === after(3), { what: 'the position after the last event' });
    // state keys are the partition's
    expect((await bus.readAll(topics.state)).every((m) => m.key.startsWith('p0|'))).toBe(true);
  });

  it('after a batch whose outputs failed, starts the partition again from the state topic and analyses the batch once more', async () => {
    const real = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-pos-')), topics: allTopics(topics), logger: silentLogger() });
    await real.start();
    bus = real;
    let failures = 1;
    const flaky: Bus = Object.create(real) as Bus;
    flaky.produce = (topic, messages) => {
      if (topic === topics.findings && messages.length > 0 && failures-- > 0) return Promise.reject(new Error('broker down'));
      return real.produce(topic, messages);
    };
    let restores = 0;
    const counting: Bus = Object.create(flaky) as Bus;
    counting.readAll = (topic) => {
      if (topic === topics.state) restores++;
      return real.readAll(topic);
    };
    analyzer = createAnalyzer({ bus: counting, engine: createEngine(), topics, groupId: 'pos2.analyzer', logger: silentLogger() });
    await analyzer.start();
    // an anonymous request allowed: a finding, whose write fails the first time
    const anonymous = (auditID: string) => ({
      key: messageKey('c', 'system:anonymous'),
      value: Buffer.from(JSON.stringify(envelopeOf(auditEventOf({ auditID, user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, annotations: { 'authorization.k8s.io/decision': 'allow' } }), 'c'))),
    });
    await real.produce(topics.events, [anonymous('a1')]);
    await waitFor(async () => (await real.readAll(topics.findings)).length > 0, { what: 'the finding written on the retry', timeoutMs: 10_000 });
    expect(restores).toBe(2); // at the assignment, and before the retried batch
    expect(await recordIds(real)).toEqual(['a1', 'a1']); // the records of the failed try were written: the store keeps one
  });
});
