// POST /v1/admin/retention: the admin role's endpoint. One retention pass now (the pass of
// KAUDIT_RETENTION_DAYS: records only when both event time and receipt are old, findings only with the last
// record of their request), by the configured days or the body's olderThanDays; logged with the caller.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, RecordMessage } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { openDatabase, runRetentionPass, type Database } from '#shared/storage';
import { corpusLines, envelopeOf } from '#shared/testing';
import { buildStoreApp } from '../../services/store/src/app.js';
import { apiTokens } from '../helpers/pipeline.js';

const now = Date.parse('2026-11-27T12:00:00Z');
const dayMs = 86_400_000;
const daysAgo = (d: number) => new Date(now - d * dayMs).toISOString();

/** The audit2rbac events, event i at `ages[i % ages.length]` days old; with `receivedDaysAgo`, received then instead. */
function analyzed(ages: number[], receivedDaysAgo?: number): { records: RecordMessage[]; findings: Finding[] } {
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  corpusLines('audit2rbac/demo.log').forEach((e, i) => {
    const t = daysAgo(ages[i % ages.length] ?? 1);
    const event = { ...(e as Record<string, unknown>), auditID: `${String(receivedDaysAgo ?? 'x')}-${String(i)}`, requestReceivedTimestamp: t, stageTimestamp: t };
    const envelope = envelopeOf(event, i % 2 === 0 ? 'east' : 'west');
    const a = createEngine().analyze(receivedDaysAgo === undefined ? envelope : { ...envelope, receivedAt: daysAgo(receivedDaysAgo) });
    records.push({ record: a.record, event });
    findings.push(...a.findings);
  });
  return { records, findings };
}

async function count(db: Database, table: 'records' | 'findings', olderThanDays?: number): Promise<number> {
  const rows =
    olderThanDays === undefined
      ? await db.query(`SELECT count(*)::INTEGER AS n FROM ${table}`)
      : await db.query(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE event_time < CAST($1 AS TIMESTAMP)`, [daysAgo(olderThanDays).replace('T', ' ').replace('Z', '')]);
  return Number(rows[0]?.n);
}

describe('POST /v1/admin/retention', () => {
  let db: Database;
  let app: FastifyInstance | undefined;
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });

  beforeEach(async () => {
    lines.length = 0;
    db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-admin-')), 'k.duckdb'));
    await db.write(analyzed([40, 31, 10, 1]));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await db.close();
  });
  const start = async (retentionDays: number | undefined) => {
    app = await buildStoreApp({ db, tokens: Object.values(apiTokens), logger, isReady: () => true, retentionDays, now: () => now });
    return app;
  };
  const post = (a: FastifyInstance, token: string | undefined, payload?: unknown) =>
    a.inject({
      method: 'POST',
      url: '/v1/admin/retention',
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });

  it('is for admins only: 401 without a token, 403 for analyst and viewer, and nothing is deleted', async () => {
    const a = await start(30);
    const before = await count(db, 'records');
    expect((await post(a, undefined)).statusCode).toBe(401);
    for (const role of ['analyst', 'viewer'] as const) {
      const res = await post(a, apiTokens[role].token);
      expect(res.statusCode, role).toBe(403);
      expect(res.json()).toEqual({ error: 'forbidden', message: 'this endpoint needs the admin role' });
    }
    expect(await count(db, 'records')).toBe(before);
  });

  it('deletes by KAUDIT_RETENTION_DAYS without a body and answers what it deleted and the cut-off', async () => {
    const a = await start(30);
    const oldRecords = await count(db, 'records', 30);
    const oldFindings = await count(db, 'findings', 30);
    const totalRecords = await count(db, 'records');
    const totalFindings = await count(db, 'findings');
    expect(oldRecords).toBeGreaterThan(0);
    expect(oldFindings).toBeGreaterThan(0);
    expect(oldRecords).toBeLessThan(totalRecords);

    const res = await post(a, apiTokens.admin.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deletedRecords: oldRecords, deletedFindings: oldFindings, olderThan: '2026-10-28T12:00:00.000Z' });
    expect(await count(db, 'records')).toBe(totalRecords - oldRecords);
    expect(await count(db, 'findings')).toBe(totalFindings - oldFindings);
    expect(await count(db, 'records', 30)).toBe(0);
    // again: nothing left to delete
    expect((await post(a, apiTokens.admin.token)).json()).toMatchObject({ deletedRecords: 0, deletedFindings: 0 });
    // logged with the caller's name
    const logged = lines.map((l) => JSON.parse(l) as { msg?: string; caller?: string; olderThan?: string }).filter((l) => l.msg?.startsWith('retention pass'));
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged.every((l) => l.caller === apiTokens.admin.name)).toBe(true);
    expect(logged[0]?.olderThan).toBe('2026-10-28T12:00:00.000Z');
  });

  it('deletes by olderThanDays when given, over the configured days', async () => {
    const a = await start(30);
    const old = await count(db, 'records', 5);
    expect(old).toBeGreaterThan(await count(db, 'records', 30));
    const res = await post(a, apiTokens.admin.token, { olderThanDays: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ deletedRecords: old, olderThan: daysAgo(5) });
    expect(await count(db, 'records', 5)).toBe(0);
    expect(await count(db, 'records')).toBeGreaterThan(0);
  });

  it('without configured retention needs olderThanDays: 400 naming both', async () => {
    const a = await start(undefined);
    const before = await count(db, 'records');
    const res = await post(a, apiTokens.admin.token);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'no retention configured: set KAUDIT_RETENTION_DAYS or give olderThanDays' });
    expect((await post(a, apiTokens.admin.token, {})).statusCode).toBe(400);
    expect(await count(db, 'records')).toBe(before);
    const given = await post(a, apiTokens.admin.token, { olderThanDays: 30 });
    expect(given.statusCode).toBe(200);
    expect(given.json()).toMatchObject({ olderThan: '2026-10-28T12:00:00.000Z' });
    expect(await count(db, 'records')).toBeLessThan(before);
  });

  it('refuses a bad body with 400 and deletes nothing (a misspelt field does not fall back to the configured days)', async () => {
    const a = await start(30);
    const before = await count(db, 'records');
    for (const body of [{ olderThanDays: 0 }, { olderThanDays: 1.5 }, { olderThanDays: '30' }, { olderThanDay: 30 }, [30]]) {
      const res = await post(a, apiTokens.admin.token, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request' });
    }
    expect(await count(db, 'records')).toBe(before);
  });

  it('keeps an old event that arrived recently, and its finding (the same pass as the hourly one)', async () => {
    const late = analyzed([400], 1);
    expect(late.findings.length).toBeGreaterThan(0);
    await db.write(late);
    const a = await start(30);
    expect((await post(a, apiTokens.admin.token)).statusCode).toBe(200);
    const kept = await db.query("SELECT count(*)::INTEGER AS n FROM records WHERE audit_id LIKE '1-%'");
    expect(Number(kept[0]?.n)).toBe(late.records.length);
    const keptFindings = await db.query("SELECT count(*)::INTEGER AS n FROM findings WHERE audit_id LIKE '1-%'");
    expect(Number(keptFindings[0]?.n)).toBe(late.findings.length);
  });
});

describe('runRetentionPass', () => {
  it('binds the cut-off as a parameter and refuses an invalid time', async () => {
    const calls: { sql: string; params: unknown }[] = [];
    const db = {
      execute(sql: string, params?: unknown) {
        calls.push({ sql, params });
        return Promise.resolve(2);
      },
    };
    expect(await runRetentionPass(db, new Date('2026-10-28T12:00:00Z'))).toEqual({ records: 2, findings: 2 });
    expect(calls.map((c) => c.params)).toEqual([['2026-10-28 12:00:00.000'], ['2026-10-28 12:00:00.000']]);
    expect(calls.every((c) => !c.sql.includes('2026'))).toBe(true);
    await expect(runRetentionPass(db, new Date(Number.NaN))).rejects.toThrow(RangeError);
  });
});
