// Events that are valid for kube-apiserver must be kept: what its Go types write for unset fields (null
// times, "" auditID and stage), the same request logged by kube-apiserver and an aggregated API server
// (same auditID and stage, other content), events with no usable time (never filed at 1970, never an
// audit-silence) and times that have the RFC 3339 shape but are no time (kept, flagged).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { auditEventParser, auditTime, type Envelope, type Finding, type NormalizedRecord } from '#shared/contracts';
import { createEngine, createRedactor, eventDigest, normalize } from '#shared/engine';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { buildIngestApp } from '../../services/ingest/src/app.js';
import { openDatabase, startRetention } from '#shared/storage';
import { auditEventOf, envelopeOf, eventList } from '#shared/testing';
import { replay } from '../../services/replay/src/replay.js';
import { getJson, ingestToken, postEvents, pipelineForSuite, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';

/** An event as kube-apiserver's encoder writes one whose optional fields are unset. */
const goZeroEvent = (fields: Record<string, unknown> = {}) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: '',
  stage: '',
  requestURI: '/api/v1/namespaces/default/pods',
  verb: 'list',
  user: { username: 'jane', groups: ['system:authenticated'] },
  sourceIPs: ['10.0.0.5'],
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: null,
  stageTimestamp: null,
  ...fields,
});

describe('auditTime', () => {
  it('reads real RFC 3339 times to the millisecond, in UTC', () => {
    expect(auditTime('2026-11-27T10:00:00.123456Z')).toBe('2026-11-27T10:00:00.123Z');
    expect(auditTime('2026-11-27T10:00:00Z')).toBe('2026-11-27T10:00:00.000Z');
    expect(auditTime('2026-11-27T11:00:00.5+01:00')).toBe('2026-11-27T10:00:00.500Z');
    expect(auditTime('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
  });
  it('reads a time without a zone (a SIEM export: `2022-11-29 00:09:04.38`) as UTC, whatever the host’s time zone', () => {
    const tz = process.env.TZ;
    try {
      for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        process.env.TZ = zone;
        expect(auditTime('2022-11-29 00:09:04.38'), zone).toBe('2022-11-29T00:09:04.380Z');
        expect(auditTime('2022-11-29T00:09:04'), zone).toBe('2022-11-29T00:09:04.000Z');
        expect(auditTime('2022-11-29 01:09:04+01:00'), zone).toBe('2022-11-29T00:09:04.000Z');
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(auditTime('2022-02-30 00:00:00')).toBeUndefined();
  });
  it('refuses shapes that are no time, and years outside 1…9999', () => {
    for (const bad of ['2026-13-45T99:99:99Z', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z', '0000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '2026-01-01T00:00:00+25:00', 'yesterday', '', null, undefined]) {
      expect(auditTime(bad), String(bad)).toBeUndefined();
    }
  });
  it('knows the Gregorian calendar’s days of each month, as Date does, leap centuries included', () => {
    for (const year of [1, 4, 100, 400, 1900, 1996, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [28, 29, 30, 31]) {
          const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day)}T00:00:00Z`;
          const d = new Date(0);
          d.setUTCFullYear(year, month - 1, day);
          const real = d.getUTCMonth() === month - 1;
          expect(auditTime(text), text).toBe(real ? `${text.slice(0, 19)}.000Z` : undefined);
        }
      }
    }
  });
});

describe('events as kube-apiserver writes them', () => {
  it('accepts null times, "" auditID, stage and verb, and null pointers, and normalizes them as absent', () => {
    const event = goZeroEvent({ verb: '', impersonatedUser: null, objectRef: null, annotations: null, userAgent: null });
    const parsed = auditEventParser.safeParse(event);
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    const record = normalize({ ...envelopeOf(event), receivedAt: '2026-12-01T08:00:00.000Z', event: parsed.data });
    expect(record.auditId).toMatch(/^kaudit-[0-9a-f]{32}$/);
    expect(record.stage).toBe('ResponseComplete');
    expect(record.derivedVerb).toBe('list');
    expect(record.eventTime).toBe('2026-12-01T08:00:00.000Z');
    expect(record.eventTimeInferred).toBe(true);
    expect(record.invalidTimestamps).toEqual([]);
  });

  it('gives each envelope its own receive time, whichever came before it', () => {
    const event = goZeroEvent({ stageTimestamp: null, requestReceivedTimestamp: null });
    const parsed = auditEventParser.safeParse(event);
    if (!parsed.success) throw new Error('the event should be valid');
    for (const receivedAt of ['2026-12-01T08:00:00Z', '2026-12-01T08:00:00Z', '2026-12-01T09:30:00.5+01:00', '2026-12-01T08:00:00Z']) {
      const record = normalize({ ...envelopeOf(event), receivedAt, event: parsed.data });
      expect(record.receivedAt, receivedAt).toBe(new Date(receivedAt).toISOString());
      expect(record.eventTime, receivedAt).toBe(new Date(receivedAt).toISOString());
    }
  });

  it('flags a timestamp that is no time and takes the next one, or the receive time', () => {
    const r1 = normalize({ ...envelopeOf(auditEventOf({})), event: auditEventOf({ stageTimestamp: '2026-02-30T00:00:00Z' }) });
    expect(r1.invalidTimestamps).toEqual(['stageTimestamp']);
    expect(r1.eventTime).toBe('2026-03-01T10:00:00.000Z'); // requestReceivedTimestamp
    expect(r1.eventTimeInferred).toBe(false);
    const r2 = normalize({ ...envelopeOf(auditEventOf({})), receivedAt: '2026-12-01T08:00:00.000Z', event: auditEventOf({ stageTimestamp: '2026-13-45T99:99:99Z', requestReceivedTimestamp: '10000-01-01T00:00:00Z' }) });
    expect(r2.invalidTimestamps).toEqual(['stageTimestamp', 'requestReceivedTimestamp']);
    expect(r2.eventTime).toBe('2026-12-01T08:00:00.000Z');
    expect(r2.eventTimeInferred).toBe(true);
  });

  it('never lets an inferred time open or close an audit-silence gap', () => {
    const engine = createEngine();
    const at = (stageTimestamp: string | null, receivedAt: string, auditID: string) =>
      engine.analyze({ ...envelopeOf(goZeroEvent({ auditID, stageTimestamp })), receivedAt }).findings.map((f) => f.ruleId);
    // an untimed event first, received long after the timed ones happened
    expect(at(null, '2026-12-01T12:00:00.000Z', 'a')).not.toContain('audit-silence');
    expect(at('2026-12-01T08:00:00.000000Z', '2026-12-01T12:00:01.000Z', 'b')).not.toContain('audit-silence');
    expect(at(null, '2026-12-01T12:00:02.000Z', 'c')).not.toContain('audit-silence');
    expect(at('2026-12-01T08:01:00.000000Z', '2026-12-01T12:00:03.000Z', 'd')).not.toContain('audit-silence');
    // a real gap still counts
    expect(at('2026-12-01T09:00:00.000000Z', '2026-12-01T12:00:04.000Z', 'e')).toContain('audit-silence');
  });
});

describe('through the pipeline (embedded bus)', () => {
  let p: Pipeline;
  pipelineForSuite((started) => (p = started));
  const recordsOf = (auditId: string) => getJson<{ items: NormalizedRecord[] }>(p, `/v1/events?user=${encodeURIComponent('aggregated-test')}&limit=1000`).then((b) => b.items.filter((r) => r.auditId === auditId));

  it('keeps kube-apiserver\'s and an aggregated API server\'s event of one request and stage, and a retried batch adds nothing', async () => {
    const fromKubeApiserver = auditEventOf({
      auditID: 'same-request',
      user: { username: 'aggregated-test', groups: ['system:authenticated'] },
      requestURI: '/apis/metrics.k8s.io/v1beta1/nodes',
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "view"' },
    });
    const fromAggregated = { ...fromKubeApiserver, userAgent: 'kube-apiserver-proxy', annotations: {} };
    const body = eventList([fromKubeApiserver, fromAggregated]);
    expect(await (await postEvents(p, body)).json()).toMatchObject({ accepted: 2, rejected: 0 });
    const both = await waitFor(async () => ((await recordsOf('same-request')).length === 2 ? recordsOf('same-request') : undefined), { what: 'both copies' });
    expect(new Set(both.map((r) => r.eventDigest)).size).toBe(2);
    expect(both.map((r) => r.decision).sort()).toEqual(['allow', null]);

    // the API server retries the whole batch: nothing more (wait for a marker posted after it)
    expect((await postEvents(p, body)).status).toBe(200);
    expect((await postEvents(p, eventList([{ ...fromKubeApiserver, auditID: 'after-retry' }]))).status).toBe(200);
    await waitFor(async () => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?user=aggregated-test&limit=1000')).items.some((r) => r.auditId === 'after-retry'), { what: 'marker' });
    expect(await recordsOf('same-request')).toHaveLength(2);
  });

  it('stores events with null times and with times that are no time, at the receive time, flagged, and raises no audit-silence', async () => {
    const before = Date.now();
    const nullTimes = goZeroEvent({ auditID: 'null-times', user: { username: 'time-test' } });
    const badTime = auditEventOf({ auditID: 'bad-time', user: { username: 'time-test' }, stageTimestamp: '2026-13-45T99:99:99Z', requestReceivedTimestamp: '2026-02-30T00:00:00Z' });
    // the same time as the batch before (auditEventOf's): between them, only inferred times months later
    const timed = auditEventOf({ auditID: 'timed', user: { username: 'time-test' } });
    expect(await (await postEvents(p, eventList([nullTimes, badTime, timed]))).json()).toMatchObject({ accepted: 3, rejected: 0 });
    const records = await waitFor(
      async () => {
        const items = (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?user=time-test&limit=1000')).items;
        return items.length === 3 ? items : undefined;
      },
      { what: 'the three records' },
    );
    const byId = new Map(records.map((r) => [r.auditId, r]));
    for (const id of ['null-times', 'bad-time']) {
      const r = byId.get(id);
      expect(r?.eventTimeInferred).toBe(true);
      expect(Date.parse(r?.eventTime ?? '')).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(byId.get('bad-time')?.invalidTimestamps).toEqual(['stageTimestamp', 'requestReceivedTimestamp']);
    expect(byId.get('timed')?.eventTimeInferred).toBe(false);
    const findings = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items;
    expect(findings.filter((f) => f.ruleId === 'audit-silence' && ['null-times', 'bad-time', 'timed'].includes(f.auditId))).toEqual([]);
  });
});

describe('replay of events without a usable time', () => {
  it('gives them the time of the event before them in their file (or after, at its start), never 1970', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-untimed-'));
    const file = path.join(dir, 'audit.log');
    const ev = (auditID: string, stageTimestamp: string | null) => JSON.stringify(goZeroEvent({ auditID, stage: 'ResponseComplete', stageTimestamp }));
    writeFileSync(file, [ev('u0', null), ev('t1', '2026-11-20T10:00:00.000000Z'), ev('u1', null), ev('t2', '2026-11-20T10:05:00.000000Z')].join('\n') + '\n');
    const db = await openDatabase(path.join(dir, 'r.duckdb'));
    try {
      const summary = await replay({ inputs: [file], db });
      expect(summary.events).toBe(4);
      expect(summary.untimed).toBe(2);
      expect(summary.timeRange).toEqual({ from: '2026-11-20T10:00:00.000Z', to: '2026-11-20T10:05:00.000Z' });
      expect(summary.findingsByRule['audit-silence']).toBeUndefined();
      const rows = await db.query('SELECT audit_id, CAST(event_time AS VARCHAR) AS t, event_time_inferred AS inferred FROM records ORDER BY audit_id');
      expect(rows).toEqual([
        { audit_id: 't1', t: '2026-11-20 10:00:00', inferred: false },
        { audit_id: 't2', t: '2026-11-20 10:05:00', inferred: false },
        { audit_id: 'u0', t: '2026-11-20 10:00:00', inferred: true },
        { audit_id: 'u1', t: '2026-11-20 10:00:00', inferred: true },
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('a DuckDB file of an earlier version', () => {
  it('is re-keyed on open with its rows kept, and then keeps both copies of a request', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-rekey-')), 'old.duckdb');
    const instance = await DuckDBInstance.create(file);
    const conn = await instance.connect();
    await conn.run('CREATE TABLE records (cluster VARCHAR NOT NULL, audit_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, event_time TIMESTAMP NOT NULL, received_at TIMESTAMP NOT NULL, "user" VARCHAR, PRIMARY KEY (cluster, audit_id, stage))');
    await conn.run("INSERT INTO records VALUES ('c', 'old-row', 'ResponseComplete', TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00', 'jane')");
    conn.closeSync();
    instance.closeSync();

    const db = await openDatabase(file);
    try {
      expect(await db.query('SELECT audit_id, event_digest, "user" FROM records')).toEqual([{ audit_id: 'old-row', event_digest: '', user: 'jane' }]);
      const engine = createEngine();
      const a = engine.analyze(envelopeOf(auditEventOf({ auditID: 'old-row' }), 'c'));
      const b = engine.analyze(envelopeOf(auditEventOf({ auditID: 'old-row', userAgent: 'other' }), 'c'));
      const written = await db.write({ records: [a, b, a].map((x) => ({ record: x.record, event: x.event })), findings: [] });
      expect(written.records).toBe(2);
      expect(await db.query("SELECT count(*)::INTEGER AS n FROM records WHERE audit_id = 'old-row'")).toEqual([{ n: 3 }]);
    } finally {
      await db.close();
    }
  });
});

describe('the event digest', () => {
  it('is the same whether ingest computed it (carried in the envelope) or the engine does (replay)', async () => {
    const event = auditEventOf({ auditID: 'digest-check', requestObject: { kind: 'Secret', data: { password: 'c2VjcmV0' } } });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-digest-'));
    const topics = topicNames('d.');
    const bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    const app = buildIngestApp({ bus, topics, tokens: [ingestToken], bodyLimit: 1 << 20, logger: silentLogger() });
    try {
      await app.inject({ method: 'POST', url: '/v1/webhook', headers: { authorization: `Bearer ${ingestToken.token}` }, payload: eventList([event]) });
      const [message] = await bus.readAll(topics.events);
      const envelope = JSON.parse(message?.value.toString() ?? '{}') as Envelope;
      expect(envelope.eventDigest).toBe(eventDigest(event));
      // the event on the bus is redacted; the digest is of the event as received
      expect(JSON.stringify(envelope.event)).not.toContain('c2VjcmV0');
      // the engine takes the envelope's, and computes the same from the event as received (replayed from a
      // file), whatever its redaction key
      const withKey = createEngine({ redact: createRedactor(Buffer.from('k'.repeat(32))) });
      const other = createEngine({ redact: createRedactor(Buffer.from('o'.repeat(32))) });
      expect(withKey.analyze(envelope).record.eventDigest).toBe(envelope.eventDigest);
      const { eventDigest: _, ...bare } = envelope;
      expect(other.analyze({ ...bare, event: auditEventParser.safeParse(JSON.parse(JSON.stringify(event))).data as Envelope['event'] }).record.eventDigest).toBe(envelope.eventDigest);
    } finally {
      await app.close();
      await bus.close();
    }
  });
});

describe('event times that lie', () => {
  it('takes the receive time for an event dated far after its receipt, keeps the claim, and audit-silence stays sound', () => {
    const engine = createEngine();
    const at = (auditID: string, stageTimestamp: string, receivedAt: string) => engine.analyze({ ...envelopeOf(auditEventOf({ auditID, stageTimestamp, requestReceivedTimestamp: undefined })), receivedAt });
    expect(at('t0', '2026-12-01T10:00:00.000000Z', '2026-12-01T10:00:01.000Z').findings.map((f) => f.ruleId)).not.toContain('audit-silence');
    const liar = at('liar', '9999-12-31T23:59:59.000000Z', '2026-12-01T10:00:02.000Z');
    expect(liar.record.eventTime).toBe('2026-12-01T10:00:02.000Z');
    expect(liar.record.claimedEventTime).toBe('9999-12-31T23:59:59.000Z');
    expect(liar.findings.map((f) => f.ruleId)).not.toContain('audit-silence');
    // a little clock skew is not a lie
    expect(at('skew', '2026-12-01T10:03:00.000000Z', '2026-12-01T10:00:03.000Z').record.claimedEventTime).toBeNull();
    // the rule still sees a real gap afterwards (it was not shut off by the year 9999)
    expect(at('after-gap', '2026-12-01T11:00:00.000000Z', '2026-12-01T11:00:01.000Z').findings.map((f) => f.ruleId)).toContain('audit-silence');
  });

  it('retention keeps an event dated 1970 that arrived recently, with its finding, and removes what is old on both counts', async () => {
    const db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-ret-lie-')), 'r.duckdb'));
    try {
      const engine = createEngine();
      const now = Date.now();
      const anonymous = { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, annotations: { 'authorization.k8s.io/decision': 'allow' } };
      const recent = engine.analyze({ ...envelopeOf(auditEventOf({ auditID: 'dated-1970', stageTimestamp: '1970-01-01T00:00:00Z', requestReceivedTimestamp: undefined, ...anonymous })), receivedAt: new Date(now).toISOString() });
      const old = engine.analyze({ ...envelopeOf(auditEventOf({ auditID: 'really-old', stageTimestamp: '2020-01-01T00:00:00Z', requestReceivedTimestamp: undefined, ...anonymous })), receivedAt: '2020-01-01T00:00:01.000Z' });
      expect(recent.findings.length).toBeGreaterThan(0);
      await db.write({ records: [recent, old].map((a) => ({ record: a.record, event: a.event })), findings: [...recent.findings, ...old.findings] });
      const retention = startRetention({ db, days: 30, logger: silentLogger(), firstRunMs: 3_600_000, now: () => now });
      try {
        const deleted = await retention.runOnce();
        expect(deleted.records).toBe(1);
        expect(await db.query('SELECT audit_id FROM records')).toEqual([{ audit_id: 'dated-1970' }]);
        expect(new Set((await db.query('SELECT audit_id FROM findings')).map((r) => r.audit_id))).toEqual(new Set(['dated-1970']));
      } finally {
        await retention.stop();
      }
    } finally {
      await db.close();
    }
  });
});

describe('client-chosen audit IDs', () => {
  it('count every request in a window even when they share one auditID, and a redelivered event once', () => {
    const engine = createEngine();
    const scan = (i: number) =>
      engine.analyze(
        envelopeOf(
          auditEventOf({
            auditID: 'chosen-by-the-client',
            user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
            sourceIPs: ['203.0.113.50'],
            requestURI: `/api/v1/namespaces/ns-${String(i)}/secrets`,
            responseStatus: { code: 403 },
            stageTimestamp: `2026-12-01T10:00:${String(i).padStart(2, '0')}.000000Z`,
            requestReceivedTimestamp: undefined,
          }),
        ),
      ).findings.map((f) => f.ruleId);
    const fired = Array.from({ length: 20 }, (_, i) => scan(i)).flat();
    expect(fired).toContain('anonymous-scan');

    const again = createEngine();
    const same = envelopeOf(auditEventOf({ auditID: 'redelivered', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: ['203.0.113.51'], responseStatus: { code: 403 } }));
    const once = Array.from({ length: 25 }, () => again.analyze(same).findings.map((f) => f.ruleId)).flat();
    expect(once).not.toContain('anonymous-scan');
  });
});
