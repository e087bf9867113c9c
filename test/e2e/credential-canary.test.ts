// The canary: `npm start` is sent every credential carrier (test/helpers/credential-carriers.ts) through its
// webhook, then every answer of its query API is searched for the secrets while it runs, and after it stops
// every file of its data directory: as bytes, and decoded (bus topics read back through the bus, every table
// of the DuckDB file read back through DuckDB), and the process's own log. None may hold any secret.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { openReadOnly } from '#shared/storage';
import { credentialCarriers } from '../helpers/credential-carriers.js';
import { startStandalone, stop, stopAll, tokenOf, type Started } from '../helpers/standalone-process.js';
import { waitFor } from '../helpers/wait-for.js';

const carriers = credentialCarriers();
const secrets = carriers.flatMap((c) => c.secrets.map((secret) => ({ carrier: c.name, secret })));
/** the carriers whose secret `text` holds */
const leaksIn = (text: string) => [...new Set(secrets.filter((s) => text.includes(s.secret)).map((s) => s.carrier))];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : [p];
  });
}

describe('credential canary: npm start keeps no credential anywhere', () => {
  let s: Started;
  let cwd: string;
  const answers: string[] = [];

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-canary-'));
    s = await startStandalone(cwd);
  }, 120_000);
  afterAll(stopAll);

  it('accepts the carriers, dead-letters the invalid ones, stores the rest', async () => {
    const token = tokenOf(cwd, 'ingest-tokens');
    const res = await s.fetch(`${s.ingest}/v1/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: carriers.map((c) => c.item) }),
    });
    const outcome = (await res.json()) as { accepted: number; rejected: number };
    answers.push(JSON.stringify(outcome));
    const invalid = carriers.filter((c) => c.invalid === true).length;
    expect(res.status).toBe(200);
    expect(outcome).toMatchObject({ accepted: carriers.length - invalid, rejected: invalid });
    const api = tokenOf(cwd, 'api-tokens', 'analyst:');
    const get = async (p: string) => {
      const r = await s.fetch(`${s.api}${p}`, { headers: { authorization: `Bearer ${api}` } });
      const text = await r.text();
      answers.push(text);
      return { status: r.status, text };
    };
    await waitFor(async () => (JSON.parse((await get('/v1/events?limit=1000')).text) as { items: unknown[] }).items.length >= carriers.length - invalid, { what: 'every carrier stored', timeoutMs: 30_000 });
    for (const c of carriers.filter((x) => x.invalid !== true)) {
      const { status } = await get(`/v1/events/${String(c.item.auditID)}`);
      expect(status, c.name).toBe(200);
    }
    for (const p of ['/v1/findings?limit=1000', `/v1/identities/${encodeURIComponent('jane@example.com')}`, '/v1/credentials', '/v1/stats?groupBy=ruleId', '/v1/rules']) expect((await get(p)).status, p).toBe(200);
    expect(leaksIn(answers.join('\n'))).toEqual([]);
  });

  it('after a stop, no file of the data directory holds a secret, as bytes or decoded, nor does the log', async () => {
    await stop(s.child);
    const data = path.join(cwd, 'data');
    const files = filesUnder(data);
    const raw = files.map((f) => readFileSync(f).toString('latin1'));
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((_f, i) => leaksIn(raw[i] ?? '').length > 0)).toEqual([]);

    // the bus, read back through the bus (values are binary on disk)
    const bus = createEmbeddedBus({ dir: path.join(data, 'bus'), topics: allTopics(topicNames('kaudit.')), logger: silentLogger() });
    await bus.start();
    const decoded: string[] = [];
    let dlq = 0;
    try {
      for (const topic of allTopics(topicNames('kaudit.'))) {
        const messages = await bus.readAll(topic);
        if (topic.endsWith('dlq')) dlq = messages.length;
        for (const m of messages) decoded.push(`${m.key} ${m.value.toString('utf8')} ${JSON.stringify(m.headers)}`);
      }
    } finally {
      await bus.close();
    }
    expect(dlq).toBe(carriers.filter((c) => c.invalid === true).length);
    expect(decoded.length).toBeGreaterThan(carriers.length * 2);

    // every table of the database, read back through DuckDB
    const dbFile = files.find((f) => f.endsWith('.duckdb'));
    expect(dbFile).toBeDefined();
    const db = await openReadOnly(dbFile ?? '');
    try {
      const tables = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`);
      expect(tables.length).toBeGreaterThan(2);
      for (const { table_name } of tables) {
        const rows = await db.query(`SELECT * FROM "${String(table_name)}"`);
        decoded.push(JSON.stringify(rows));
      }
    } finally {
      await db.close();
    }
    expect(leaksIn(decoded.join('\n'))).toEqual([]);
    expect(leaksIn(s.output())).toEqual([]);
    // and the secrets were there to find: the decoders see what was posted (the markers)
    expect(decoded.join('\n')).toContain('[redacted ');
    expect(statSync(data).mode & 0o777).toBe(0o700);
  });
});
