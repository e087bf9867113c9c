// One codec, one wording: every reader of messages (webhook items, events-topic envelopes, records and
// findings, replayed lines) words a validation failure the same way: `not <what>: <path>: <message>; …`.
import { describe, expect, it } from 'vitest';
import { auditEventParser, decode, decodeJson, describeIssues, envelopeParser } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { createProcessMessage } from '../../services/analyzer/src/process-message.js';

const bad = { ...auditEventOf({ auditID: 'bad' }), stage: 'Finished', sourceIPs: 'not-a-list' };

describe('the message codec', () => {
  it('words at most three issues, each with its path (none for the whole value)', () => {
    expect(describeIssues([{ path: [], message: 'expected object' }])).toBe('expected object');
    const many = [1, 2, 3, 4].map((i) => ({ path: ['a', i], message: `m${String(i)}` }));
    expect(describeIssues(many)).toBe('a.1: m1; a.2: m2; a.3: m3');
    expect(describeIssues([])).toBe('invalid');
  });

  it('decodes JSON bytes to a value or a reason, never throwing', () => {
    const notJson = decodeJson(auditEventParser, Buffer.from('{nope'), 'an audit event');
    expect(notJson.ok ? '' : notJson.reason).toMatch(/^not JSON: /);
    const ok = decodeJson(auditEventParser, Buffer.from(JSON.stringify(auditEventOf({ auditID: 'fine' }))), 'an audit event');
    expect(ok.ok && ok.value.auditID).toBe('fine');
    const deep = JSON.parse(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`) as unknown;
    expect(decode(auditEventParser, { ...auditEventOf({}), requestObject: deep }, 'an audit event').ok).toBeTypeOf('boolean');
  });

  it('words an invalid event the same for the webhook and replay (an audit event) and the analyzer (inside its envelope)', () => {
    const direct = decode(auditEventParser, bad, 'an audit event');
    expect(direct.ok ? '' : direct.reason).toMatch(/^not an audit event: stage: .*; sourceIPs: /);
    // the analyzer reads an envelope around it: the same issues, under `event.`
    const processMessage = createProcessMessage({ engine: createEngine() });
    const result = processMessage({ value: Buffer.from(JSON.stringify({ ...envelopeOf(auditEventOf({})), event: bad })) });
    const reason = result.kind === 'dlq' ? result.reason : '';
    expect(result.kind === 'dlq' ? result.step : '').toBe('analyzer-parse');
    expect(reason).toMatch(/^not an event envelope: event\.stage: .*; event\.sourceIPs: /);
    const same = decode(envelopeParser, { ...envelopeOf(auditEventOf({})), event: bad }, 'an event envelope');
    expect(same.ok ? '' : same.reason).toBe(reason);
  });
});
