// OpenShift Logging's ViaQ records (#18): the collector merges the audit Event into its log record, moves the
// Event's level to `k8s_audit_level` (kube-apiserver; `openshift_audit_level` for openshift-apiserver) and sets
// `level` to the log level (`default`), adding its own fields. Such a record stands for its Event: through the
// webhook it is stored as that Event (marked) with the findings the Event gets, and replay reads a file of them
// as the Events. Events: ../shared/corpus (corpusBatch: Falco, Panther and audit2rbac traces).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertedFromAnnotation, foreignEvent, isViaqRecord, viaqAuditEvent, viaqConverted, type Finding } from '#shared/contracts';
import { openDatabase } from '#shared/storage';
import { corpusBatch, eventList } from '#shared/testing';
import { replay } from '../../services/replay/src/replay.js';
import { postEvents } from '../helpers/pipeline.js';
import { expectWebhookFindings } from '../helpers/same-findings.js';

type Json = Record<string, unknown>;
const events = corpusBatch().items.filter((e): e is Json => typeof e === 'object' && e !== null && typeof (e as Json).level === 'string');

/** The record OpenShift Logging's collector (Vector) writes for an audit Event. */
const viaq = (e: Json, i: number, levelField = 'k8s_audit_level'): Json => ({
  ...e,
  [levelField]: e.level,
  level: 'default',
  '@timestamp': e.stageTimestamp ?? e.requestReceivedTimestamp,
  hostname: 'master-0.ocp.example.com',
  log_type: 'audit',
  log_source: 'kubeAPI',
  openshift: { cluster_id: '5c9f0c1e-7d0b-4c6f-9a55-2f1f0b1e7a11', sequence: i },
  tag: '.k8s-audit.log',
  viaq_msg_id: `m-${String(i)}`,
});

describe('ViaQ records', () => {
  it('are the Event with its audit level back and the collector’s fields gone, marked', () => {
    expect(events.length).toBeGreaterThan(20);
    for (const [i, e] of events.entries()) {
      const record = viaq(e, i);
      expect(isViaqRecord(record)).toBe(true);
      const { annotations, ...event } = viaqAuditEvent(record);
      const { annotations: original, ...rest } = e;
      expect(event).toEqual(rest);
      expect(annotations).toEqual({ ...(original as Json | undefined), [convertedFromAnnotation]: viaqConverted });
    }
    expect(viaqAuditEvent(viaq(events[0] ?? {}, 0, 'openshift_audit_level')).level).toBe(events[0]?.level);
    // an Event as kube-apiserver writes it is no ViaQ record
    expect(events.some((e) => isViaqRecord(e))).toBe(false);
    expect(foreignEvent(events[0])).toBeUndefined();
    expect(foreignEvent(viaq(events[0] ?? {}, 0))).toMatchObject({ ok: true, from: viaqConverted });
  });

  it('through the webhook get the findings their Events get', async () => {
    await expectWebhookFindings(
      events,
      async (p) => {
        expect((await postEvents(p, eventList(events.map((e, i) => viaq(e, i))))).status).toBe(200);
      },
      3,
    );
  }, 60_000);

  it('replay a file of them as their Events, with the same findings', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kaudit-viaq-'));
    const asEvents = path.join(tmp, 'events.jsonl');
    const asViaq = path.join(tmp, 'viaq.jsonl');
    writeFileSync(asEvents, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    writeFileSync(asViaq, `${events.map((e, i) => JSON.stringify(viaq(e, i))).join('\n')}\n`);
    const one = await openDatabase(path.join(tmp, 'events.duckdb'));
    const two = await openDatabase(path.join(tmp, 'viaq.duckdb'));
    try {
      const a = await replay({ inputs: [asEvents], db: one });
      const b = await replay({ inputs: [asViaq], db: two });
      expect(b.malformed.count).toBe(0);
      expect(b.events).toBe(a.events);
      expect(b.findingsByRule).toEqual(a.findingsByRule);
      const keys = async (db: typeof one) => (await db.query('SELECT rule_id, audit_id FROM findings ORDER BY rule_id, audit_id')) as Pick<Finding, 'ruleId'>[];
      expect(await keys(two)).toEqual(await keys(one));
      const [raw] = (await two.query('SELECT raw FROM records LIMIT 1')) as { raw: string }[];
      expect((JSON.parse(raw?.raw ?? '{}') as { annotations?: Json }).annotations?.[convertedFromAnnotation]).toBe(viaqConverted);
    } finally {
      await one.close();
      await two.close();
    }
  }, 60_000);
});
