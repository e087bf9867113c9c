// kube-apiserver's own audit webhook client against `npm start`: the k8s.io/apiserver webhook backend wrapped
// in its buffered batch backend (tools/audit-webhook-client, built from the Go module proxy), configured
// only by the kubeconfigs npm start generated, delivers the corpus's native Events (../shared/corpus) over
// TLS with the cluster's token and over mTLS with the cluster's client certificate. Every event the client
// delivered must be queryable, none twice, none dead-lettered.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedRecord } from '#shared/contracts';
import { corpusNativeEvents, repoRoot } from '#shared/testing';
import { startStandalone, stopAll, tokenOf, type Started } from '../helpers/standalone-process.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);

interface ClientReport {
  read: number;
  undecodable: number;
  sent: number;
  delivered: number;
  failed: number;
  batches: number;
}

describe('kube-apiserver audit webhook client → npm start', () => {
  let client: string;
  let s: Started;
  let cwd: string;
  const corpus = path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-apiclient-')), 'corpus.jsonl');
  const clusters = { tls: 'apiserver-tls', mtls: 'apiserver-mtls' };

  beforeAll(async () => {
    // cached by Go's module and build caches: seconds, or a minute or two on a machine without them
    const built = await run('bash', [path.join(repoRoot, 'tools', 'audit-webhook-client', 'build.sh')], { timeout: 600_000 });
    client = built.stdout.trim();
    writeFileSync(corpus, corpusNativeEvents().map((e) => JSON.stringify(e)).join('\n') + '\n');
    cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-apiclient-run-'));
    s = await startStandalone(cwd, { KAUDIT_INGEST_TOKENS: `${clusters.tls}=tls-token-0123456789abcdef,${clusters.mtls}=mtls-token-0123456789abcdef` });
  }, 660_000);
  afterAll(stopAll);

  /** Runs the client with a generated kubeconfig; returns its report and the events as it sent them. */
  async function deliver(kubeconfig: string, flags: string[]): Promise<{ report: ClientReport; sent: string[] }> {
    const sentFile = path.join(path.dirname(corpus), `${path.basename(kubeconfig)}.sent.jsonl`);
    const { stdout } = await run(client, ['-kubeconfig', path.join(cwd, 'data', 'webhook', kubeconfig), '-in', corpus, '-sent', sentFile, ...flags], { timeout: 300_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ClientReport;
    return { report, sent: readFileSync(sentFile, 'utf8').split('\n').filter((l) => l !== '') };
  }

  async function storedRecords(cluster: string, atLeast: number): Promise<NormalizedRecord[]> {
    const token = tokenOf(cwd, 'api-tokens', 'analyst:');
    const all = async () => {
      const items: NormalizedRecord[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ cluster, limit: '1000', ...(cursor === null ? {} : { cursor }) });
        const r = await s.fetch(`${s.api}/v1/events?${q.toString()}`, { headers: { authorization: `Bearer ${token}` } });
        const page = (await r.json()) as { items: NormalizedRecord[]; nextCursor: string | null };
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return items;
    };
    await waitFor(async () => (await all()).length >= atLeast, { what: `${String(atLeast)} records of ${cluster}`, timeoutMs: 60_000 });
    return all();
  }

  async function rejectedBy(cluster: string): Promise<number> {
    const metrics = await (await s.fetch(`${s.ingest}/metrics`)).text();
    const m = new RegExp(`kaudit_ingest_events_total\\{cluster="${cluster}",outcome="rejected"[^}]*\\} (\\d+)`).exec(metrics);
    return Number(m?.[1] ?? 0);
  }

  function checkStored(records: NormalizedRecord[], sent: string[]): void {
    // what the client sent, as distinct events (identical ones are one event sent twice)
    const distinct = [...new Set(sent)].map((l) => JSON.parse(l) as { auditID?: string; stage?: string });
    expect(records).toHaveLength(distinct.length);
    const stored = records.map((r) => `${r.auditId} ${r.stage}`);
    const ids = new Set(records.map((r) => r.auditId));
    for (const e of distinct) {
      // Go writes an unset stage as "": kaudit then takes it from the response status
      if (e.auditID && e.stage) expect(stored).toContain(`${e.auditID} ${e.stage}`);
      else if (e.auditID) expect(ids).toContain(e.auditID);
    }
  }

  it('delivers every event over TLS with the generated token kubeconfig, and each is stored once', async () => {
    const { report, sent } = await deliver(`${clusters.tls}.kubeconfig`, ['-initial-backoff', '1s']);
    console.log(`kube-apiserver webhook client, TLS + token: ${JSON.stringify(report)}`);
    expect(report.failed).toBe(0);
    expect(report.delivered).toBe(report.sent);
    expect(report.sent).toBe(sent.length);
    expect(report.sent).toBeGreaterThan(250);
    const records = await storedRecords(clusters.tls, new Set(sent).size);
    checkStored(records, sent);
    expect(await rejectedBy(clusters.tls)).toBe(0);
    console.log(`stored ${String(records.length)} records for ${String(new Set(sent).size)} distinct events delivered (duplicates: ${String(records.length - new Set(records.map((r) => `${r.auditId} ${r.stage} ${r.eventDigest}`)).size)})`);
  });

  it('delivers every event over mTLS with the generated client-certificate kubeconfig, in several batches', async () => {
    const { report, sent } = await deliver(`${clusters.mtls}-mtls.kubeconfig`, ['-initial-backoff', '1s', '-batch-max-size', '50']);
    console.log(`kube-apiserver webhook client, mTLS: ${JSON.stringify(report)}`);
    expect(report.failed).toBe(0);
    expect(report.delivered).toBe(report.sent);
    expect(report.batches).toBeGreaterThanOrEqual(Math.ceil(report.sent / 50));
    const records = await storedRecords(clusters.mtls, new Set(sent).size);
    checkStored(records, sent);
    expect(await rejectedBy(clusters.mtls)).toBe(0);
    // no cluster was credited with the other's events, and TLS was seen on every one
    expect(records.every((r) => r.cluster === clusters.mtls && r.transportTls)).toBe(true);
  });
});
