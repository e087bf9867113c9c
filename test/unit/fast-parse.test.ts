// The fast path of event and envelope validation (ajv compiled from the zod schemas) must judge exactly as
// zod does: 10,000 random near-events and envelopes each, plus every event of the corpus (../shared/corpus).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEventParser, auditEventSchema, envelopeParser, envelopeSchema, findingParser, findingSchema, recordMessageParser, recordMessageSchema } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { auditEventOf, corpusBatch, envelopeOf as corpusEnvelope } from '#shared/testing';

const runs = 10_000;
const fields = ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'annotations', 'stageTimestamp', 'timestamp', '__proto__'];
// `__proto__`: an own key JSON.parse makes from `"__proto__": …`, which zod leaves out of what it checks
const userFields = ['username', 'uid', 'groups', 'extra', '__proto__'];
const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, undefined, '', 0, 1.5, -1, 2 ** 60, Number.NaN, Infinity, [], {}, ['a', 1], { a: null }, { a: ['x', null] }, 'audit.k8s.io/v1', 'Event', 'ResponseComplete', JSON.parse('{"__proto__":{"a":1},"b":2}') as unknown),
);
const event = fc.record({
  auditID: fc.oneof(fc.uuid(), fc.constant('')),
  verb: fc.constantFrom('get', 'list', '', 'create'),
  requestURI: fc.constantFrom('/api/v1/pods', '/healthz'),
  user: fc.record({ username: fc.string({ maxLength: 10 }), groups: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }) }),
});
/** Valid events with one field (or one user field) replaced or removed: both sides of every check. */
const nearEvent = fc.oneof(
  event.map((e) => auditEventOf(e)),
  fc.tuple(event, fc.constantFrom(...fields), odd).map(([e, k, v]) => ({ ...auditEventOf(e), [k]: v })),
  fc.tuple(event, fc.constantFrom(...userFields), odd).map(([e, k, v]) => ({ ...auditEventOf(e), user: { ...e.user, [k]: v } })),
  fc.tuple(event, fc.subarray(['auditID', 'requestURI', 'verb', 'user', 'objectRef'])).map(([e, drop]) =>
    Object.fromEntries(Object.entries(auditEventOf(e)).filter(([k]) => !drop.includes(k))),
  ),
  fc.tuple(event, fc.constantFrom('code', 'status'), odd).map(([e, k, v]) => ({ ...auditEventOf(e), responseStatus: { [k]: v } })),
  odd,
);

type SafeParse = (value: unknown) => { success: boolean; data?: unknown };

/** For every generated value: the same verdict from both, and the same data when valid. */
function agree(values: fc.Arbitrary<unknown>, fast: SafeParse, zod: SafeParse): void {
  fc.assert(
    fc.property(values, (item) => {
      const f = fast(item);
      const z = zod(item);
      expect(f.success).toBe(z.success);
      if (f.success && z.success) expect(f.data).toEqual(z.data);
    }),
    { numRuns: runs },
  );
}

describe('fast validation judges as zod does', () => {
  it('audit events: same verdict, and the same data for valid ones (10,000 cases)', () => {
    agree(nearEvent, (v) => auditEventParser.safeParse(v), (v) => auditEventSchema.safeParse(v));
  });

  it('envelopes: same verdict, and the same data for valid ones (10,000 cases)', () => {
    const envelopeOf = (event: unknown) => ({ cluster: 'test', receivedAt: '2026-11-27T10:00:00.000Z', transport: { tls: true }, event });
    const envelope = fc.oneof(
      nearEvent.map((e) => envelopeOf(e)),
      fc.tuple(nearEvent, fc.constantFrom('cluster', 'receivedAt', 'transport', 'extra'), odd).map(([e, k, v]) => ({ ...envelopeOf(e), [k]: v })),
      fc.tuple(nearEvent, fc.constantFrom('2026-11-27T10:00:00Z', '2026-11-27T10:00:00.123+01:00', '2026-02-30T10:00:00Z', '2026-11-27 10:00:00', 'yesterday')).map(([e, t]) => ({ ...envelopeOf(e), receivedAt: t })),
      fc.tuple(nearEvent, odd).map(([e, v]) => ({ ...envelopeOf(e), transport: { tls: true, clientCertSubject: v } })),
    );
    agree(envelope, (v) => envelopeParser.safeParse(v), (v) => envelopeSchema.safeParse(v));
  });

  it('record messages and findings (what the store consumes): same verdict and data (10,000 cases each)', () => {
    const engine = createEngine();
    const { items } = corpusBatch();
    const analyses = items.filter((i) => auditEventSchema.safeParse(i).success).map((i) => engine.analyze(corpusEnvelope(i)));
    const records = analyses.map((a) => ({ record: a.record, event: a.event }));
    const findings = analyses.flatMap((a) => a.findings);
    expect(findings.length).toBeGreaterThan(0);
    const recordFields = Object.keys(records[0]?.record ?? {});
    const record = fc.oneof(
      fc.constantFrom(...records),
      fc.tuple(fc.constantFrom(...records), fc.constantFrom(...recordFields, 'unknownField', '__proto__'), odd).map(([m, k, v]) => ({ ...m, record: { ...m.record, [k]: v } })),
      fc.tuple(fc.constantFrom(...records), odd).map(([m, v]) => ({ ...m, event: v })),
      fc.tuple(fc.constantFrom(...records), odd).map(([m, v]) => ({ ...m, event: { ...m.event, ['__proto__']: v } })),
      odd,
    );
    agree(record, (v) => recordMessageParser.safeParse(v), (v) => recordMessageSchema.safeParse(v));
    const findingFields = Object.keys(findings[0] ?? {});
    const finding = fc.oneof(
      fc.constantFrom(...findings),
      fc.tuple(fc.constantFrom(...findings), fc.constantFrom(...findingFields, 'unknownField', '__proto__'), odd).map(([f, k, v]) => ({ ...f, [k]: v })),
      odd,
    );
    agree(finding, (v) => findingParser.safeParse(v), (v) => findingSchema.safeParse(v));
  });

  it('the corpus batch: the same events valid, the same invalid', () => {
    const { items, valid, malformed } = corpusBatch();
    const verdicts = items.map((i) => auditEventParser.safeParse(i).success);
    expect(verdicts).toEqual(items.map((i) => auditEventSchema.safeParse(i).success));
    expect(verdicts.filter(Boolean)).toHaveLength(valid);
    expect(verdicts.filter((v) => !v)).toHaveLength(malformed);
  });

  it('returns a valid event itself, not a copy', () => {
    const item = auditEventOf({ auditID: 'a', verb: 'get', requestURI: '/api' });
    const parsed = auditEventParser.safeParse(item);
    expect(parsed.success && parsed.data).toBe(item);
  });
});
