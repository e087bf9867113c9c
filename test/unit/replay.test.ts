// Replay (README "Forensic replay") over ../shared/corpus: Falco traces and the audit2rbac capture as JSON lines, a gzipped
// copy, the BOM-prefixed pretty-printed AKS Event, the Azure records batch, an EventList written here and
// malformed lines, into real DuckDB files. The CLI is run from its built entry (dist/, built by
// `npm run build` before the tests).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuningFromFile } from '#shared/engine';
import { openDatabase, type Database } from '#shared/storage';
import { auditEventOf, corpusDir, corpusLines, eventList, repoRoot } from '#shared/testing';
import { replay, type ReplaySummary } from '../../services/replay/src/replay.js';

const cli = path.join(repoRoot, 'dist', 'services', 'replay', 'src', 'main.js');
const falco = (f: string) => path.join(corpusDir, 'falco-k8s-audit', f);
const falcoTraces = [
  'anonymous_creates_namespace_foo.json',
  'create_nginx_pod_privileged.json',
  'create_nginx_pod_hostnetwork.json',
  'exec_pod.json',
  'minikube_creates_namespace_foo.json',
];
const audit2rbac = path.join(corpusDir, 'audit2rbac', 'demo.log');
const aksEvent = path.join(corpusDir, 'sysdig-aks-audit-log', 'sample_KubeAuditLog_event.json');
const azureBatch = path.join(corpusDir, 'sysdig-aks-audit-log', 'event.json');

let tmp: string;
const dbs: Database[] = [];

async function freshDb(name: string): Promise<Database> {
  const db = await openDatabase(path.join(tmp, 'db', `${name}.duckdb`));
  dbs.push(db);
  return db;
}

async function count(db: Database, table: 'records' | 'findings'): Promise<number> {
  const rows = await db.query(`SELECT count(*)::INTEGER AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

async function findingsJson(db: Database): Promise<string> {
  return JSON.stringify(await db.query('SELECT * FROM findings ORDER BY id'));
}

async function ruleIds(db: Database): Promise<string[]> {
  const rows = await db.query('SELECT DISTINCT rule_id FROM findings ORDER BY rule_id');
  return rows.map((r) => String(r.rule_id));
}

/** Falco traces (one with an extra trailing blank line) and the audit2rbac capture in one directory. */
function jsonLinesDir(): string {
  const dir = path.join(tmp, 'jsonl');
  mkdirSync(dir, { recursive: true });
  for (const f of falcoTraces) copyFileSync(falco(f), path.join(dir, f));
  writeFileSync(path.join(dir, 'exec_pod.json'), `${readFileSync(falco('exec_pod.json'), 'utf8')}\n\n`);
  copyFileSync(audit2rbac, path.join(dir, 'demo.log'));
  return dir;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kaudit-replay-'));
});

afterAll(async () => {
  for (const db of dbs) await db.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('replay', () => {
  it('reads JSON lines, .gz, a BOM-prefixed pretty Event, an Azure records batch and an EventList; expected findings appear', async () => {
    const dir = jsonLinesDir();
    const gz = path.join(tmp, 'configmap-copy.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(falco('create_configmap_sensitive_values.json'))));
    const list = path.join(tmp, 'eventlist.json');
    const listItems = [...corpusLines('falco-k8s-audit/attach_cluster_admin_role.json'), ...corpusLines('falco-k8s-audit/create_nginx_service_nodeport.json')];
    writeFileSync(list, JSON.stringify(eventList(listItems), null, 2));
    const db = await freshDb('mixed');
    const s = await replay({ inputs: [dir, gz, aksEvent, azureBatch, list], db });

    const jsonl = falcoTraces.length + corpusLines('audit2rbac/demo.log').length;
    expect(jsonl).toBe(5 + 37);
    expect(s.files).toBe(falcoTraces.length + 1 + 4);
    expect(s.malformed).toEqual({ count: 0, first: [] });
    expect(s.events).toBe(jsonl + 6 + 1 + 22 + listItems.length);
    expect(s.written.records).toBe(await count(db, 'records'));
    expect(s.written.findings).toBe(await count(db, 'findings'));
    expect(s.timeRange).toEqual({ from: '2017-09-11T19:55:05.000Z', to: expect.stringMatching(/^20(18|19|20)-/) as unknown });
    const rules = await ruleIds(db);
    for (const r of ['anonymous-request-allowed', 'privileged-container', 'credentials-in-configmap', 'cluster-admin-binding', 'nodeport-service', 'system-masters-used']) {
      expect(rules).toContain(r);
      expect(s.findingsByRule[r]).toBeGreaterThan(0);
    }
    const sevTotal = Object.values(s.findingsBySeverity).reduce((a, b) => a + b, 0);
    expect(sevTotal).toBe(Object.values(s.findingsByRule).reduce((a, b) => a + b, 0));
    // the AKS pretty-printed Event and the Azure batch arrived under the replay cluster
    const aks = await db.query("SELECT count(*)::INTEGER AS n FROM records WHERE cluster = 'replay' AND user_agent LIKE '%kubectl%'");
    expect(Number(aks[0]?.n)).toBeGreaterThan(0);
  });

  it('counts malformed lines with file:line and carries on', async () => {
    const bad = path.join(tmp, 'bad.jsonl');
    const good = readFileSync(falco('anonymous_creates_namespace_foo.json'), 'utf8').trim();
    writeFileSync(bad, ['this is not json', '{"kind": 0}', '', good, '{"truncated": '].join('\n'));
    const db = await freshDb('malformed');
    const s = await replay({ inputs: [bad, falco('fal_01_003.json')], db });
    expect(s.events).toBe(1);
    expect(s.malformed.count).toBe(4);
    // listed by file name, then line (the inputs are read side by side)
    const ofBad = s.malformed.first.filter((m) => m.startsWith(`${bad}:`));
    expect(ofBad[0]).toMatch(/:1: not valid JSON/);
    expect(ofBad[1]).toBe(`${bad}:2: not an audit event: kind: Invalid input: expected "Event"`);
    expect(ofBad[2]).toMatch(/:5: not valid JSON/);
    const other = s.malformed.first.filter((m) => !m.startsWith(`${bad}:`));
    expect(other).toEqual([expect.stringMatching(/fal_01_003\.json:1: not an audit event/)]);
    expect(s.malformed.first).toEqual(bad < falco('fal_01_003.json') ? [...ofBad, ...other] : [...other, ...ofBad]);
    expect(await ruleIds(db)).toContain('anonymous-request-allowed');
  });

  it('filters by since (included) and until (excluded) on event time', async () => {
    const dir = jsonLinesDir();
    const all = await replay({ inputs: [dir], db: await freshDb('all') });
    const db = await freshDb('window');
    // the Falco traces are from 2018–2020, the audit2rbac capture from 2017
    const s = await replay({ inputs: [dir], db, since: '2018-01-01T00:00:00Z', until: '2018-10-26T00:00:00Z' });
    expect(s.events).toBe(2); // anonymous (2018-10-25 13:58) and privileged pod (2018-10-25 14:09)
    expect(s.skippedByTime).toBe(all.events - 2);
    expect(await count(db, 'records')).toBe(2);
    expect(await ruleIds(db)).toEqual(expect.arrayContaining(['anonymous-request-allowed', 'privileged-container']));
    await expect(replay({ inputs: [dir], db: await freshDb('date-only'), since: '2018-01-01' })).rejects.toThrow(/since must be an RFC 3339 time/);
    const none = await replay({ inputs: [dir], db: await freshDb('none'), since: '2030-01-01T00:00:00Z' });
    expect(none.events).toBe(0);
    expect(none.timeRange).toBeNull();
  });

  it('is deterministic: the same inputs in another order give byte-identical findings', async () => {
    const files = [...falcoTraces.map(falco), audit2rbac, azureBatch, aksEvent];
    const a = await freshDb('order-a');
    const b = await freshDb('order-b');
    const sa = await replay({ inputs: files, db: a });
    const sb = await replay({ inputs: [...files].reverse(), db: b });
    expect(sb.findingsByRule).toEqual(sa.findingsByRule);
    const fa = await findingsJson(a);
    expect(fa.length).toBeGreaterThan(100);
    expect(await findingsJson(b)).toBe(fa);
    const recordsOf = (db: Database) => db.query('SELECT * FROM records ORDER BY cluster, audit_id, stage');
    expect(JSON.stringify(await recordsOf(b))).toBe(JSON.stringify(await recordsOf(a)));
  });

  it('analyses on its engine thread exactly as on this thread (rules given as a tuning object)', async () => {
    const files = [...falcoTraces.map(falco), audit2rbac, azureBatch, aksEvent];
    const redactionKey = randomBytes(32);
    const threaded = await freshDb('thread');
    const here = await freshDb('this-thread');
    const st = await replay({ inputs: files, db: threaded, redactionKey, batchSize: 50 });
    const sh = await replay({ inputs: files, db: here, redactionKey, tuning: tuningFromFile(undefined) });
    expect(sh.findingsByRule).toEqual(st.findingsByRule);
    expect(sh.written).toEqual(st.written);
    expect(await findingsJson(here)).toBe(await findingsJson(threaded));
    const recordsOf = (db: Database) => db.query('SELECT * FROM records ORDER BY cluster, audit_id, stage');
    expect(JSON.stringify(await recordsOf(here))).toBe(JSON.stringify(await recordsOf(threaded)));
  });

  it('is idempotent: replaying into the same file twice adds nothing', async () => {
    const db = await freshDb('twice');
    const first: ReplaySummary = await replay({ inputs: [jsonLinesDir(), azureBatch], db, batchSize: 7 });
    const counts = [await count(db, 'records'), await count(db, 'findings')];
    expect(first.written.records).toBe(counts[0]);
    const second = await replay({ inputs: [jsonLinesDir(), azureBatch], db });
    expect(second.events).toBe(first.events);
    expect(second.written).toEqual({ records: 0, findings: 0 });
    expect([await count(db, 'records'), await count(db, 'findings')]).toEqual(counts);
  });

  it('analyses a rotated set (audit.log.2, audit.log.1, audit.log, a timestamped backup) in event-time order, given in any order', async () => {
    const dir = path.join(tmp, 'rotated');
    mkdirSync(dir, { recursive: true });
    // One identity's denials, 12 events one minute apart, spread over four files of a rotated set: the
    // newest events in audit.log, the oldest in the timestamped backup. forbidden-burst (≥ 10 in 5 min)
    // sees them in time order or not at all.
    const denial = (i: number) =>
      auditEventOf({
        auditID: `rot-${String(i).padStart(2, '0')}`,
        requestURI: '/api/v1/namespaces/kube-system/secrets',
        user: { username: 'mallory', groups: ['system:authenticated'] },
        responseStatus: { code: 403 },
        annotations: { 'authorization.k8s.io/decision': 'forbid' },
        stageTimestamp: new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + i * 20_000).toISOString(),
      });
    const files: Record<string, number[]> = { 'audit-2026-11-20T10-00-00.000.log': [0, 1, 2], 'audit.log.2': [3, 4, 5], 'audit.log.1': [6, 7, 8], 'audit.log': [9, 10, 11] };
    for (const [name, ids] of Object.entries(files)) writeFileSync(path.join(dir, name), ids.map((i) => JSON.stringify(denial(i))).join('\n') + '\n');
    const s = await replay({ inputs: [dir], db: await freshDb('rotated') });
    expect(s.events).toBe(12);
    expect(s.outOfOrder).toBe(0);
    expect(s.timeRange).toEqual({ from: '2026-11-20T10:00:00.000Z', to: '2026-11-20T10:03:40.000Z' });
    const byFile = await replay({ inputs: Object.keys(files).map((f) => path.join(dir, f)).reverse(), db: await freshDb('rotated-files') });
    expect(byFile.findingsByRule).toEqual(s.findingsByRule);
    // the tenth denial in time order is the one that reaches the threshold
    const db = await freshDb('rotated-check');
    await replay({ inputs: [dir], db });
    expect(await db.query("SELECT audit_id FROM findings WHERE rule_id = 'forbidden-burst'")).toEqual([{ audit_id: 'rot-09' }]);
  });

  it('orders each input through a bounded reorder window and counts what arrives later than that', async () => {
    const events = corpusLines('audit2rbac/demo.log') as { stageTimestamp: string }[];
    const file = path.join(tmp, 'shuffled.jsonl');
    // newest first: every event is out of order
    writeFileSync(file, [...events].sort((a, b) => (a.stageTimestamp < b.stageTimestamp ? 1 : -1)).map((e) => JSON.stringify(e)).join('\n'));
    const wide = await replay({ inputs: [file], db: await freshDb('wide'), reorderWindow: 1000 });
    expect(wide.outOfOrder).toBe(0);
    const narrow = await replay({ inputs: [file], db: await freshDb('narrow'), reorderWindow: 4 });
    expect(narrow.events).toBe(events.length);
    expect(narrow.outOfOrder).toBeGreaterThan(0);
  });

  it('keeps raw events for all records, only for those with findings, or none (--raw)', async () => {
    const quiet = path.join(tmp, 'quiet.jsonl');
    const read = (i: number) =>
      auditEventOf({ auditID: `quiet-${String(i)}`, annotations: { 'authorization.k8s.io/decision': 'allow' }, stageTimestamp: `2018-10-25T14:00:0${String(i)}.000000Z` });
    writeFileSync(quiet, [1, 2].map((i) => JSON.stringify(read(i))).join('\n'));
    const inputs = [...falcoTraces.map(falco), quiet];
    const rawCounts = async (raw: 'all' | 'findings' | 'none') => {
      const db = await freshDb(`raw-${raw}`);
      await replay({ inputs, db, raw });
      const rows = await db.query(
        'SELECT count(*)::INTEGER AS records, count(raw)::INTEGER AS raw, count(DISTINCT f.audit_id)::INTEGER AS with_findings FROM records r LEFT JOIN (SELECT DISTINCT audit_id FROM findings) f USING (audit_id)',
      );
      return rows[0];
    };
    const n = falcoTraces.length + 2;
    expect(await rawCounts('all')).toMatchObject({ records: n, raw: n });
    const findings = await rawCounts('findings');
    expect(findings?.raw).toBe(findings?.with_findings);
    expect(Number(findings?.raw)).toBeGreaterThan(0);
    expect(Number(findings?.raw)).toBeLessThan(n);
    expect(await rawCounts('none')).toMatchObject({ records: n, raw: 0 });
  });

  it('stores each raw event as read, except that credential material is redacted', async () => {
    const file = path.join(tmp, 'raw-text.jsonl');
    const plain = auditEventOf({ auditID: 'plain-1', annotations: { note: 'spaces  and \\u00e9scapes é' }, stageTimestamp: '2026-11-01T10:00:00.000000Z' });
    const secret = auditEventOf({
      auditID: 'secret-1',
      verb: 'create',
      requestURI: '/api/v1/namespaces/default/secrets',
      objectRef: { resource: 'secrets', namespace: 'default', name: 'db', apiVersion: 'v1' },
      requestObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db' }, data: { password: 'aHVudGVyMg==' } },
      stageTimestamp: '2026-11-01T10:00:01.000000Z',
    });
    // keys in an order of their own and extra spaces: the plain event's line is kept as it was
    writeFileSync(file, `{ "auditID": "plain-1",  ${JSON.stringify(plain).slice(1).replace('"auditID":"plain-1",', '')}\n${JSON.stringify(secret)}\n`);
    const db = await freshDb('raw-text');
    await replay({ inputs: [file], db });
    const rows = await db.query('SELECT audit_id, raw::VARCHAR AS raw FROM records ORDER BY audit_id');
    const raw = new Map(rows.map((r) => [String(r.audit_id), String(r.raw)]));
    expect(JSON.parse(raw.get('plain-1') ?? 'null')).toEqual(plain);
    expect(raw.get('secret-1')).not.toContain('aHVudGVyMg==');
    expect(raw.get('secret-1')).toMatch(/\[redacted hmac:[0-9a-f]{12}\]/);
  });

  it('analyses and stores an event as validation returned it, not its line, when the two differ (an own __proto__ key)', async () => {
    const file = path.join(tmp, 'proto-key.jsonl');
    const event = auditEventOf({ auditID: 'proto-1', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } });
    writeFileSync(file, `${JSON.stringify(event).slice(0, -1)},"__proto__":{"polluted":true}}\n`);
    const db = await freshDb('proto-key');
    const summary = await replay({ inputs: [file], db });
    expect(summary.events).toBe(1);
    const rows = await db.query('SELECT raw::VARCHAR AS raw FROM records');
    expect(rows).toHaveLength(1);
    expect(String(rows[0]?.raw)).not.toContain('polluted');
    expect(JSON.parse(String(rows[0]?.raw))).toEqual(event);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stores lines with surrogate escapes: a lone one as U+FFFD, a pair as its character', async () => {
    const file = path.join(tmp, 'surrogates.jsonl');
    const line = (id: string, agent: string) => `{"auditID":"${id}","verb":"get","requestURI":"/api","userAgent":"${agent}","stageTimestamp":"2026-11-01T10:00:00.000000Z"}`;
    writeFileSync(file, [line('lone', 'a\\ud800b'), line('pair', 'a\\uD83D\\uDE00b'), line('backslash', 'a\\\\ud800b')].join('\n'));
    const db = await freshDb('surrogates');
    const s = await replay({ inputs: [file], db });
    expect(s.events).toBe(3);
    const rows = await db.query("SELECT audit_id, user_agent, raw->>'userAgent' AS raw_agent FROM records ORDER BY audit_id");
    expect(rows.map((r) => [r.audit_id, r.user_agent, r.raw_agent])).toEqual([
      ['backslash', 'a\\ud800b', 'a\\ud800b'],
      ['lone', 'a\ufffdb', 'a\ufffdb'],
      ['pair', 'a😀b', 'a😀b'],
    ]);
  });

  it('reads JSON lines from stdin (-)', async () => {
    const db = await freshDb('stdin');
    const s = await replay({ inputs: ['-'], db, stdin: Readable.from([readFileSync(audit2rbac)]) });
    expect(s.events).toBe(37);
    expect(await count(db, 'records')).toBe(37);
  });

  it('fails clearly on an unreadable input', async () => {
    const db = await freshDb('missing');
    await expect(replay({ inputs: [path.join(tmp, 'no-such-file.log')], db })).rejects.toThrow(/cannot read .*no-such-file\.log: ENOENT/);
  });
});

describe('replay CLI (dist)', () => {
  it('prints a JSON summary and exits 0, even with malformed lines', () => {
    expect(existsSync(cli), `${cli} is missing: run npm run build first`).toBe(true);
    const bad = path.join(tmp, 'cli-bad.jsonl');
    writeFileSync(bad, 'nope\n');
    const dbFile = path.join(tmp, 'cli', 'replay.duckdb');
    const r = spawnSync(process.execPath, [cli, audit2rbac, falco('anonymous_creates_namespace_foo.json'), bad, '--db', dbFile, '--cluster', 'lab', '--json'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as ReplaySummary;
    expect(summary.events).toBe(38);
    expect(summary.malformed.count).toBe(1);
    expect(summary.findingsByRule['anonymous-request-allowed']).toBe(1);
    expect(existsSync(dbFile)).toBe(true);
  });

  it('prints a table without --json', () => {
    const r = spawnSync(process.execPath, [cli, falco('create_nginx_pod_privileged.json'), '--db', path.join(tmp, 'cli', 'table.duckdb')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^events\s+1$/m);
    expect(r.stdout).toMatch(/privileged-container\s+1/);
  });

  it('exits 2 with usage on bad arguments and 1 on fatal errors', () => {
    const bad = spawnSync(process.execPath, [cli, audit2rbac, '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/usage: npm run replay/);
    const since = spawnSync(process.execPath, [cli, audit2rbac, '--since', 'yesterday'], { encoding: 'utf8' });
    expect(since.status).toBe(2);
    const none = spawnSync(process.execPath, [cli], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    const missing = spawnSync(process.execPath, [cli, path.join(tmp, 'absent.log'), '--db', path.join(tmp, 'cli', 'f.duckdb')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^kaudit-replay: cannot read .*absent\.log: ENOENT/);
  });
});
