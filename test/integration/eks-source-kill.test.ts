// Acceptance (#16): "kill -9 during each pull source loses and duplicates nothing", for the EKS source:
// npm start's process reads a log group of moto's CloudWatch Logs (test/helpers/moto.ts) page by page and is
// killed with SIGKILL while it reads; after a restart every event of the group is stored exactly once, and
// the malformed message among them changes nothing.
// Events from ../shared/corpus/falco-k8s-audit (create_nginx_pod_privileged.json, attach_cluster_admin_role.json),
// 300 copies of them (600 events) in each of three audit streams, each event's auditID made unique.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusLines } from '#shared/testing';
import { createLogGroup, motoEnv, putLogEvents, startMoto, type Moto } from '../helpers/moto.js';
import { startStandalone, stop, stopAll, tokenOf } from '../helpers/standalone-process.js';
import { waitFor } from '../helpers/wait-for.js';

const events = ['create_nginx_pod_privileged.json', 'attach_cluster_admin_role.json'].flatMap((f) => corpusLines(`falco-k8s-audit/${f}`)) as { auditID: string }[];
const copies = 300;
const streams = ['kube-apiserver-audit-a', 'kube-apiserver-audit-b', 'kube-apiserver-audit-c'];
const perStream = copies * events.length;
const group = '/aws/eks/kill-test/cluster';

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
}, 6 * 60_000);
afterAll(async () => {
  await stopAll();
  await moto.stop();
});

describe('EKS source under kill -9', () => {
  it('loses and duplicates nothing when npm start is killed mid-read and restarted', async () => {
    await createLogGroup(moto, group, streams);
    const t0 = Date.UTC(2026, 11, 6, 12);
    for (const [s, stream] of streams.entries()) {
      const messages = Array.from({ length: perStream }, (_, i) => {
        const e = events[i % events.length] ?? { auditID: '' };
        // two events a millisecond: positions inside a millisecond are checkpointed too
        return { timestamp: t0 + Math.floor(i / 2), message: JSON.stringify({ ...e, auditID: `${e.auditID}-${stream}-${String(i)}` }) };
      });
      if (s === 0) messages.push({ timestamp: t0 + perStream, message: '{"kind": 0}' });
      await putLogEvents(moto, group, stream, messages);
    }

    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-eks-kill-'));
    const env = { ...motoEnv, KAUDIT_EKS_LOG_GROUPS: group, KAUDIT_EKS_ENDPOINT: moto.endpoint, KAUDIT_EKS_START: 'beginning', KAUDIT_EKS_POLL_SECONDS: '0.2', KAUDIT_EKS_PAGE_EVENTS: '25' };
    const first = await startStandalone(cwd, env);
    const token = tokenOf(cwd, 'api-tokens', 'admin:');
    const get = async (s: typeof first, q: string) => {
      const r = await s.fetch(`${s.api}${q}`, { headers: { authorization: `Bearer ${token}` } });
      return r.status === 200 ? ((await r.json()) as { items: { auditId: string }[]; nextCursor: string | null }) : undefined;
    };
    // kill -9 once the store has written something and well before the source is through
    await waitFor(async () => ((await get(first, '/v1/events?limit=1'))?.items.length ?? 0) > 0, { what: 'the first EKS events stored', timeoutMs: 90_000, intervalMs: 20 });
    await stop(first.child, 'SIGKILL');

    const second = await startStandalone(cwd, env);
    const storedIds = async () => {
      const ids = new Set<string>();
      let cursor: string | null = null;
      do {
        const body = await get(second, `/v1/events?limit=1000&since=2000-01-01T00:00:00Z${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        if (body === undefined) return ids.size;
        for (const i of body.items) ids.add(i.auditId);
        cursor = body.nextCursor;
      } while (cursor !== null);
      return ids.size;
    };
    const total = streams.length * perStream;
    await waitFor(async () => (await storedIds()) === total, { what: `${String(total)} events stored`, timeoutMs: 180_000, intervalMs: 500 });
    // the restart resumed from the checkpoint: it read less than all of it again
    const metrics = await (await second.fetch(`${second.ingest}/metrics`)).text();
    const reread = Number(/^kaudit_ingest_eks_records_total\{cluster="kill-test",outcome="accepted",service="ingest"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(reread).toBeGreaterThan(0);
    expect(reread).toBeLessThan(total);
    await stop(second.child);

    const db = await DuckDBInstance.create(path.join(cwd, 'data', 'kaudit.duckdb'));
    const conn = await db.connect();
    const [row] = (await conn.runAndReadAll('SELECT count(*)::INTEGER AS n, count(DISTINCT audit_id)::INTEGER AS ids, min(cluster) AS c FROM records')).getRowObjectsJson();
    conn.closeSync();
    db.closeSync();
    expect(row).toEqual({ n: total, ids: total, c: 'kill-test' });
  }, 400_000);
});
