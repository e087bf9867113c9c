// Bad input, property-based (fast-check, 10,000 cases each): the webhook body (random JSON, wrong types,
// huge strings, deep nesting, invalid UTF-8, wrong content types and encodings), the RequestInfo parser and
// the rules-file/CEL loader. Guarantees: no crash, no 5xx, nothing accepted that is not an event; over-deep
// and oversize events go to the DLQ.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlqHeaders, topicNames, type Bus, type OutMessage } from '#shared/bus';
import { auditEventSchema, envelopeSchema, splitItems } from '#shared/contracts';
import { applyTuning, builtinRules, CelLoadError, createEngine } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { auditEventOf, corpusLines, envelopeOf, eventList } from '#shared/testing';
import { resolveRequestInfo } from '../../shared/engine/request-info/index.js';
import { buildIngestApp, defaultIngestLimits } from '../../services/ingest/src/app.js';

const runs = 10_000;
const topics = topicNames('prop.');

/** An in-process bus that keeps what was produced (unit tests only: the webhook's contract, not the bus's). */
function memoryBus(): Bus & { produced: Map<string, OutMessage[]> } {
  const produced = new Map<string, OutMessage[]>();
  return {
    kind: 'embedded',
    produced,
    start: () => Promise.resolve(),
    produce(topic, messages) {
      produced.set(topic, [...(produced.get(topic) ?? []), ...messages]);
      return Promise.resolve();
    },
    consume: () => Promise.reject(new Error('not used')),
    partitions: () => Promise.resolve(1),
    readAll: () => Promise.reject(new Error('not used')),
    readRange: () => Promise.reject(new Error('not used')),
    isReady: () => true,
    close: () => Promise.resolve(),
  };
}

const token = 'prop-cluster-token-0123456789';
const validEvent = fc.record({
  auditID: fc.uuid(),
  verb: fc.constantFrom('get', 'list', 'create', 'delete', 'watch', 'patch'),
  requestURI: fc.webPath().map((p) => `/${p}`),
  user: fc.record({ username: fc.string({ maxLength: 40 }), groups: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }) }),
});
/** Events, near-events (a field of the wrong type) and any JSON at all. */
const item = fc.oneof(
  validEvent.map((e) => auditEventOf(e)),
  fc.tuple(validEvent, fc.constantFrom('kind', 'verb', 'requestURI', 'user', 'sourceIPs', 'annotations'), fc.jsonValue()).map(([e, k, v]) => ({ ...auditEventOf(e), [k]: v })),
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ maxLength: 2000 }),
);
const body = fc.oneof(
  fc.array(item, { maxLength: 6 }).map((items) => eventList(items)),
  fc.array(item, { maxLength: 6 }),
  item,
  fc.jsonValue(),
);

describe('webhook body, property-based', () => {
  let app: FastifyInstance;
  let bus: ReturnType<typeof memoryBus>;
  beforeAll(() => {
    bus = memoryBus();
    app = buildIngestApp({
      bus,
      topics,
      tokens: [{ cluster: 'prop', token }],
      bodyLimit: 256 * 1024,
      logger: silentLogger(),
      limits: { ...defaultIngestLimits, maxEventBytes: 8 * 1024, maxDepth: 16 },
    });
  });
  afterAll(async () => {
    await app.close();
  });
  const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/webhook', payload, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } });

  it('random JSON bodies: 200 or 400, never 5xx; accepted + rejected = items; every accepted message is a valid envelope (nothing accepted that is not an event)', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        bus.produced.clear();
        const res = await post(JSON.stringify(b));
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode !== 200) return;
        const outcome = res.json<{ accepted: number; rejected: number }>();
        expect(outcome.accepted + outcome.rejected).toBe(splitItems(b).length);
        const events = bus.produced.get(topics.events) ?? [];
        expect(events).toHaveLength(outcome.accepted);
        for (const m of events) expect(envelopeSchema.safeParse(JSON.parse(m.value.toString('utf8'))).success).toBe(true);
        expect(bus.produced.get(topics.dlq) ?? []).toHaveLength(outcome.rejected);
        const valid = splitItems(b).filter((i) => auditEventSchema.safeParse(i).success).length;
        expect(outcome.accepted).toBeLessThanOrEqual(valid);
      }),
      { numRuns: runs },
    );
  });

  it('random bytes, encodings and content types (invalid UTF-8, broken gzip, huge strings): 200/400/413/415, never 5xx', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)),
      fc.string({ minLength: 0, maxLength: 300_000 }).map((s) => Buffer.from(JSON.stringify(eventList([auditEventOf({ auditID: 'huge', requestURI: `/${s}` })])))),
      fc.jsonValue().map((v) => gzipSync(JSON.stringify(v))),
    );
    await fc.assert(
      fc.asyncProperty(
        bytes,
        fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'),
        fc.constantFrom(undefined, 'gzip', 'identity', 'br', 'deflate'),
        async (payload, contentType, encoding) => {
          const res = await post(payload, { 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) });
          expect([200, 400, 413, 415]).toContain(res.statusCode);
        },
      ),
      { numRuns: runs },
    );
  });

  it('sends an event nested deeper than the limit to the DLQ, and one larger than the per-event limit there too while its metadata is analysed; the batch is accepted', async () => {
    bus.produced.clear();
    // 10,000 levels: more than JSON.stringify can write, so the body is written by hand
    const deep = `${'{"d":'.repeat(10_000)}"leaf"${'}'.repeat(10_000)}`;
    const items = [JSON.stringify(auditEventOf({ auditID: 'ok' })), JSON.stringify(auditEventOf({ auditID: 'deep' })).replace(/}$/, `,"requestObject":${deep}}`), JSON.stringify(auditEventOf({ auditID: 'big', requestObject: { blob: 'x'.repeat(20_000) } }))];
    const res = await post(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${items.join(',')}]}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 1 });
    const dlq = bus.produced.get(topics.dlq) ?? [];
    expect(dlq.map((m) => m.headers?.[dlqHeaders.reason])).toEqual([expect.stringMatching(/nests deeper than 16 levels/), expect.stringMatching(/exceeds the limit of 8192 bytes; analysed without its requestObject/)]);
  });
});

describe('RequestInfo parser, property-based', () => {
  const segment = fc.oneof(fc.constantFrom('api', 'apis', 'v1', 'namespaces', 'default', 'pods', 'proxy', 'watch', 'exec', 'status', '', '..', '%2F', '%zz'), fc.string({ maxLength: 12 }));
  const uri = fc.oneof(
    fc.array(segment, { maxLength: 9 }).map((parts) => `/${parts.join('/')}`),
    fc.tuple(fc.array(segment, { maxLength: 7 }), fc.string({ maxLength: 30 })).map(([parts, q]) => `/${parts.join('/')}?${q}`),
    fc.string({ maxLength: 200 }),
  );
  const method = fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'get', ''), fc.string({ maxLength: 8 }));

  it('never throws, and what it returns is consistent: non-resource requests carry no resource, resource requests a known prefix', () => {
    fc.assert(
      fc.property(uri, method, (u, m) => {
        const info = resolveRequestInfo(u, m);
        expect(typeof info.path).toBe('string');
        if (!info.isResourceRequest) {
          expect([info.resource, info.namespace, info.name, info.subresource]).toEqual(['', '', '', '']);
        } else {
          expect(['api', 'apis']).toContain(info.apiPrefix);
          if (info.resource !== '') expect(info.parts[0]).toBe(info.resource);
        }
        // the query string is cut off before decoding (a decoded %3F may leave a '?' in the path)
        if (!u.includes('%')) expect(info.path.includes('?')).toBe(false);
      }),
      { numRuns: runs },
    );
  });
});

describe('rules file and CEL loader, property-based', () => {
  const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
  const envelope = envelopeOf(event);
  const celToken = fc.constantFrom('record', 'event', '.', 'user', 'verb', '==', '!=', '&&', '||', '!', '(', ')', '[', ']', '"x"', "'y'", '1', '2.5', 'true', 'null', 'size(', 'has(', '.startsWith(', 'in', '+', '-', '*', '/', '%', '?', ':', ',', ' ', 'matches(', '{', '}');
  const cel = fc.oneof(fc.array(celToken, { maxLength: 14 }).map((t) => t.join('')), fc.string({ maxLength: 60 }));
  const ruleId = fc.oneof(fc.constantFrom('anonymous-request-allowed', 'stale-token', 'no-such-rule'), fc.string({ maxLength: 20 }));
  const doc = fc.oneof(
    fc.record({ rules: fc.dictionary(ruleId, fc.record({ enabled: fc.boolean(), exceptions: fc.array(cel, { maxLength: 2 }) }, { requiredKeys: [] }), { maxKeys: 2 }) }, { requiredKeys: [] }),
    fc.record({ customRules: fc.array(fc.record({ id: ruleId, title: fc.string({ maxLength: 10 }), severity: fc.constantFrom('low', 'high', 'urgent'), condition: cel }), { maxLength: 2 }) }),
    fc.record({ lists: fc.dictionary(fc.constantFrom('trustedImages', 'publicPaths', 'adminRoles', 'bogus'), fc.jsonValue(), { maxKeys: 2 }), thresholds: fc.dictionary(fc.constantFrom('forbiddenBurst', 'anonymousScan'), fc.jsonValue(), { maxKeys: 2 }) }, { requiredKeys: [] }),
    fc.jsonValue(),
  );

  it('loads or fails with a CelLoadError naming where; a loaded file never makes the engine throw', () => {
    fc.assert(
      fc.property(doc, (d) => {
        let tuning;
        try {
          tuning = applyTuning(builtinRules, d);
        } catch (err) {
          expect(err).toBeInstanceOf(CelLoadError);
          expect((err as Error).message.length).toBeGreaterThan(0);
          return;
        }
        const engine = createEngine({ rules: tuning.rules, settings: tuning.settings });
        expect(() => engine.analyze(envelope)).not.toThrow();
      }),
      { numRuns: runs },
    );
  });
});
