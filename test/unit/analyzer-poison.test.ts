// Guarantee: a poison message — valid JSON, a valid event, that makes a rule throw — goes to the DLQ with
// the step (the rule) named, and the partition moves on: the events after it are analysed as usual.
// Also: a message that is not an envelope at all is dead-lettered at the parse step.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, dlqHeaders, messageKey, topicNames, type Bus } from '#shared/bus';
import type { NormalizedRecord } from '#shared/contracts';
import { builtinRules, createEngine, type Rule } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { createAnalyzer, type Analyzer } from '../../services/analyzer/src/consumer.js';
import { waitFor } from '../helpers/wait-for.js';

const crashing: Rule = {
  id: 'test-crash',
  title: 'Crashes on one event',
  severity: 'low',
  category: 'custom',
  mitre: [],
  evaluate({ record }) {
    if (record.auditId === 'poison') throw new TypeError("Cannot read properties of undefined (reading 'spec')");
    return undefined;
  },
};

describe('analyzer: poison messages', () => {
  let bus: Bus | undefined;
  let analyzer: Analyzer | undefined;
  afterEach(async () => {
    await analyzer?.stop();
    await bus?.close();
  });

  it('dead-letters the event a rule throws on, naming the rule, and carries on with the next ones (poison message → DLQ, partition moves on)', async () => {
    const topics = topicNames('poison.');
    bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-poison-')), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    analyzer = createAnalyzer({ bus, engine: createEngine({ rules: [...builtinRules, crashing] }), topics, groupId: 'poison.analyzer', logger: silentLogger() });
    await analyzer.start();
    const message = (auditID: string) => ({ key: messageKey('c', 'jane'), value: Buffer.from(JSON.stringify(envelopeOf(auditEventOf({ auditID }), 'c'))) });
    await bus.produce(topics.events, [message('before'), message('poison'), { key: 'c/jane', value: Buffer.from('{"not":"an envelope"}') }, message('after')]);

    const records = await waitFor(
      async () => {
        const r = (await bus?.readAll(topics.records)) ?? [];
        return r.length === 2 ? r.map((m) => (JSON.parse(m.value.toString('utf8')) as { record: NormalizedRecord }).record.auditId) : undefined;
      },
      { what: 'records of the events around the poison' },
    );
    expect(records).toEqual(['before', 'after']);
    const dlq = await bus.readAll(topics.dlq);
    expect(dlq.map((m) => m.headers[dlqHeaders.step])).toEqual(['analyzer-rule:test-crash', 'analyzer-parse']);
    expect(dlq[0]?.headers[dlqHeaders.reason]).toMatch(/^rule test-crash failed: Cannot read properties of undefined/);
    // the original bytes are kept for a later look
    expect(JSON.parse(dlq[0]?.value.toString('utf8') ?? '{}')).toMatchObject({ event: { auditID: 'poison' } });
  });
});
