// Replay (SPEC §7) over ../shared/corpus: Falco traces and the audit2rbac capture as JSON lines, a gzipped
// copy, the BOM-prefixed pretty-printed AKS Event, the Azure records batch, an EventList written here and
// malformed lines, into real DuckDB files. The CLI is run from its built entry (dist/, built by
// `npm run build` before the tests).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '#shared/storage';
import { corpusDir, corpusLines, eventList, repoRoot } from '#shared/testing';
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
    expect(s.malformed.first[0]).toMatch(new RegExp(`^${bad.replaceAll('\\', '\\\\')}:1: not valid JSON`));
    expect(s.malformed.first[1]).toBe(`${bad}:2: not an audit event: kind: Invalid input: expected "Event"`);
    expect(s.malformed.first[2]).toMatch(/:5: not valid JSON/);
    expect(s.malformed.first[3]).toMatch(/fal_01_003\.json:1: not an audit event/);
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
