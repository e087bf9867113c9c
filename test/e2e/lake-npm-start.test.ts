// `npm start` with a lake (KAUDIT_RETENTION_DAYS and KAUDIT_LAKE_DIR): the built process, its webhook, its
// retention and its query API. Events of 40 days ago and of today go in; once the retention has run (its
// first pass shortly after start, or the admin's pass), the old day is Parquet under the lake, and the API
// still answers for it: the old findings, the old events, the old finding by id.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { fleetStream } from '#shared/testing';
import { startStandalone, stopAll, tokenOf, type Started } from '../helpers/standalone-process.js';
import { waitFor } from '../helpers/wait-for.js';

const dayMs = 86_400_000;
const oldStart = new Date(Date.now() - 40 * dayMs).toISOString();
const oldDay = oldStart.slice(0, 10);
const old = fleetStream({ rounds: 3, readsPerRound: 20, developers: 6, start: oldStart }).map((e) => ({ ...e, auditID: `old-${String(e.auditID)}` }));
const recent = fleetStream({ rounds: 3, readsPerRound: 20, developers: 6, start: new Date(Date.now() - 3_600_000).toISOString() }).map((e) => ({ ...e, auditID: `new-${String(e.auditID)}` }));

describe('npm start with a lake', () => {
  let s: Started;
  let cwd: string;
  beforeAll(async () => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-lake-e2e-'));
    s = await startStandalone(cwd, { KAUDIT_RETENTION_DAYS: '30', KAUDIT_LAKE_DIR: path.join(cwd, 'lake') });
  }, 120_000);
  afterAll(stopAll);

  it('hands the old day to Parquet under the lake and answers for it as for today', async () => {
    const ingestToken = tokenOf(cwd, 'ingest-tokens');
    const res = await s.fetch(`${s.ingest}/v1/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` },
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [...old, ...recent] }),
    });
    expect(res.status).toBe(200);
    const analyst = tokenOf(cwd, 'api-tokens', 'analyst:');
    const admin = tokenOf(cwd, 'api-tokens', 'admin:');
    const get = async <T>(p: string): Promise<T> => {
      const r = await s.fetch(`${s.api}${p}`, { headers: { authorization: `Bearer ${analyst}` } });
      expect(r.status, p).toBe(200);
      return (await r.json()) as T;
    };
    const range = `since=${encodeURIComponent(new Date(Date.now() - 90 * dayMs).toISOString())}&limit=1000`;
    const findings = async () => (await get<{ items: Finding[] }>(`/v1/findings?${range}`)).items;
    const events = async () => (await get<{ items: NormalizedRecord[] }>(`/v1/events?${range}`)).items;
    await waitFor(async () => (await events()).length === old.length + recent.length, { what: 'every event stored', timeoutMs: 60_000 });
    const before = (await findings()).map((f) => f.id).sort();
    const oldFinding = (await findings()).find((f) => f.auditId.startsWith('old-'));
    expect(oldFinding, 'a finding of the old day').toBeDefined();

    // the admin's pass (the timed one may have run already: then this one finds nothing left to hand over)
    const pass = await s.fetch(`${s.api}/v1/admin/retention`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(pass.status).toBe(200);
    const lake = path.join(cwd, 'lake');
    const folder = path.join(lake, 'records', `day=${oldDay}`);
    await waitFor(() => existsSync(folder), { what: 'the old day in the lake', timeoutMs: 30_000 });
    expect(readdirSync(folder)).toEqual([expect.stringMatching(/^cluster=/) as string]);
    expect(readdirSync(path.join(lake, 'findings'))).toEqual([`day=${oldDay}`]);

    // today stays in the file, the old day is answered from the lake: the same findings and events
    expect((await findings()).map((f) => f.id).sort()).toEqual(before);
    expect((await events()).filter((e) => e.auditId.startsWith('old-'))).toHaveLength(old.length);
    const byId = await get<{ finding: Finding; record: NormalizedRecord | null }>(`/v1/findings/${oldFinding?.id ?? ''}`);
    expect(byId.finding.auditId).toBe(oldFinding?.auditId);
    expect(byId.record?.auditId).toBe(oldFinding?.auditId);
  }, 120_000);
});
