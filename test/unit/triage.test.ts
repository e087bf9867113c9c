// Triage over a real DuckDB file and the embedded bus: states per finding and per incident with the action
// log, the triage filter, role limits, restore of a new file from the triage topic, and "suppress like
// this" drafts that, loaded as a rules file, really drop the finding.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames, type Bus } from '#shared/bus';
import type { Finding, RecordMessage, TriageAction } from '#shared/contracts';
import { applyTuning, builtinRules, createEngine } from '#shared/engine';
import { createLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { corpusLines, envelopeOf } from '#shared/testing';
import { buildStoreApp } from '../../services/store/src/app.js';
import { busTriageLog, restoreTriage } from '../../services/store/src/triage/log.js';
import { apiTokens } from '../helpers/pipeline.js';

const logger = createLogger({ name: 't', level: 'error' });
const topics = topicNames('t.');
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'kaudit-triage-'));
const events = [...corpusLines('audit2rbac/demo.log'), ...corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json')];

function analyzed() {
  const engine = createEngine();
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  for (const e of events) {
    const a = engine.analyze(envelopeOf(e, 'east'));
    records.push({ record: a.record, event: e as Record<string, unknown> });
    findings.push(...a.findings);
  }
  return { records, findings };
}

describe('triage', () => {
  let bus: Bus;
  let db: Database;
  let app: FastifyInstance;
  const data = analyzed();
  const as = (role: keyof typeof apiTokens) => ({ authorization: `Bearer ${apiTokens[role].token}` });
  let clock = Date.UTC(2026, 11, 1);

  beforeAll(async () => {
    bus = createEmbeddedBus({ dir: tmp(), topics: allTopics(topics), logger });
    await bus.start();
    db = await openDatabase(path.join(tmp(), 'k.duckdb'));
    await db.write(data);
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger, isReady: () => true, triageLog: busTriageLog(bus, topics.triage), now: () => (clock += 1000) });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    await bus.close();
  });

  const triage = (body: unknown, role: keyof typeof apiTokens = 'analyst') => app.inject({ method: 'POST', url: '/v1/triage', headers: as(role), payload: body as Record<string, unknown> });
  const list = async (q: string) => (await app.inject({ url: `/v1/findings?limit=1000${q}`, headers: as('viewer') })).json<{ items: Finding[]; triage: Record<string, { state: string; actor: string }> }>();

  it('sets a state with a comment, shows it on the list, filters by it and logs who did it', async () => {
    const [a, b] = data.findings;
    if (!a || !b) throw new Error('the corpus has findings');
    expect((await triage({ findingIds: [a.id], state: 'acknowledged', comment: 'looking' }, 'viewer')).statusCode).toBe(403);
    const res = await triage({ findingIds: [a.id, b.id], state: 'acknowledged', comment: 'looking' });
    expect(res.statusCode).toBe(200);
    const second = await triage({ findingIds: [a.id], state: 'false-positive', comment: 'kubeadm bootstrap' });
    expect(second.statusCode).toBe(200);

    const all = await list('');
    expect(all.triage[a.id]).toMatchObject({ state: 'false-positive', actor: apiTokens.analyst.name });
    expect(all.triage[b.id]).toMatchObject({ state: 'acknowledged' });
    expect((await list('&triage=false-positive')).items.map((f) => f.id)).toEqual([a.id]);
    expect((await list('&triage=acknowledged')).items.map((f) => f.id)).toEqual([b.id]);
    expect((await list('&triage=new')).items).toHaveLength(all.items.length - 2);

    const log = (await app.inject({ url: `/v1/triage/actions?findingId=${a.id}`, headers: as('viewer') })).json<{ items: TriageAction[] }>();
    expect(log.items.map((x) => [x.state, x.comment, x.actor])).toEqual([
      ['false-positive', 'kubeadm bootstrap', apiTokens.analyst.name],
      ['acknowledged', 'looking', apiTokens.analyst.name],
    ]);
    expect((await triage({ state: 'resolved' })).statusCode).toBe(400);
    expect((await triage({ findingIds: [a.id], state: 'closed' })).statusCode).toBe(400);
  });

  it('sets an incident’s findings at once', async () => {
    const incidents = (await app.inject({ url: '/v1/incidents?ruleId=system-masters-used', headers: as('viewer') })).json<{ items: { id: string; count: number }[] }>();
    const incident = incidents.items[0];
    if (!incident) throw new Error('an incident');
    const res = await triage({ incidentId: incident.id, state: 'resolved', comment: 'expected admin work' });
    expect(res.json<{ action: TriageAction }>().action.findingIds).toHaveLength(incident.count);
    expect((await list('&triage=resolved&ruleId=system-masters-used')).items).toHaveLength(incident.count);
    expect((await triage({ incidentId: 'nope', state: 'resolved' })).statusCode).toBe(404);
  });

  it('a new DuckDB file gets every state and the whole log back from the triage topic', async () => {
    const fresh = await openDatabase(path.join(tmp(), 'k.duckdb'));
    await fresh.write(data);
    const n = await restoreTriage({ bus, topic: topics.triage, db: fresh, logger });
    const again = await restoreTriage({ bus, topic: topics.triage, db: fresh, logger });
    expect(again).toBe(n);
    const q = 'SELECT finding_id, state, actor, action_id FROM triage_current ORDER BY finding_id';
    expect(await fresh.query(q)).toEqual(await db.query(q));
    expect(await fresh.query('SELECT count(*)::INT AS n FROM triage_actions')).toEqual([{ n }]);
    await fresh.close();
  });

  it('"suppress like this" drafts an exception that, loaded as a rules file, drops that finding and not others', async () => {
    const f = data.findings.find((x) => x.ruleId === 'anonymous-request-allowed');
    if (!f) throw new Error('the Falco trace raises anonymous-request-allowed');
    const res = await app.inject({ method: 'POST', url: `/v1/findings/${f.id}/suppression`, headers: as('analyst'), payload: { fields: ['user', 'resource', 'name'], comment: 'test cluster' } });
    expect(res.statusCode).toBe(200);
    const { yaml, condition, action } = res.json<{ yaml: string; condition: string; action: TriageAction }>();
    expect(condition).toContain(`record.user == ${JSON.stringify(f.user)}`);
    expect(action).toMatchObject({ kind: 'suppression-proposed', draft: yaml, findingIds: [f.id] });
    const tuning = applyTuning(builtinRules, parseYaml(yaml) as unknown);
    const event = events.find((e) => (e as { auditID: string }).auditID === f.auditId);
    const tuned = createEngine({ rules: tuning.rules, settings: tuning.settings }).analyze(envelopeOf(event, 'east'));
    expect(tuned.findings.map((x) => x.ruleId)).not.toContain('anonymous-request-allowed');
    // the same rule on another object still fires
    const e = event as { objectRef: Record<string, unknown> };
    expect(f.name).not.toBe('another');
    const other = createEngine({ rules: tuning.rules, settings: tuning.settings }).analyze(envelopeOf({ ...e, objectRef: { ...e.objectRef, name: 'another' }, auditID: 'other' }, 'east'));
    expect(other.findings.map((x) => x.ruleId)).toContain('anonymous-request-allowed');
    const proposals = (await app.inject({ url: '/v1/triage/actions?kind=suppression-proposed', headers: as('viewer') })).json<{ items: TriageAction[] }>();
    expect(proposals.items.map((x) => x.id)).toEqual([action.id]);
    expect((await app.inject({ method: 'POST', url: `/v1/findings/${f.id}/suppression`, headers: as('analyst'), payload: { fields: ['password'] } })).statusCode).toBe(400);
  });
});
