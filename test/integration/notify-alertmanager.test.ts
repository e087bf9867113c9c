// Acceptance (#17, Alertmanager): findings delivered to the real Prometheus Alertmanager (Debian's
// prometheus-alertmanager, started by tools/alertmanager/alertmanager.sh) through its v2 API and read back
// from it; a repeated delivery adds no alert (the finding id is among the labels); an outage longer than a
// minute loses nothing; an output that refuses for good gets the findings parked in the DLQ with the reason.
// The pipeline is npm start's wiring on the embedded bus with KAUDIT_NOTIFY_FILE.
// Events from ../shared/corpus (shared/testing corpusBatch: Falco, Panther and audit2rbac traces with known findings).
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusBatch, eventList } from '#shared/testing';
import type { Finding } from '#shared/contracts';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { startTool, type ToolProcess } from '../helpers/tool-process.js';
import { alertOf, postAlerts } from '../../services/notify/src/outputs/alertmanager.js';
import { single } from '../../services/notify/src/notification.js';
import { waitFor } from '../helpers/wait-for.js';

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-'));
/** `grouped`: a second output to the same Alertmanager takes every finding through a 5 s grouping window. */
const notifyFile = (url: string, { grouped = false } = {}) => {
  const file = path.join(dir, `notify-${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(
    file,
    `outputs:
  am:
    type: alertmanager
    url: ${url}
${grouped ? `  grouped:\n    type: alertmanager\n    url: ${url}\n` : ''}routes:
  - name: serious
    match: { minSeverity: high }
    outputs: [am]
${grouped ? '  - name: all-grouped\n    outputs: [grouped]\n    group: { windowSeconds: 5 }\n' : ''}links:
  baseUrl: https://kaudit.example.com:8080
delivery:
  firstBackoffMs: 200
  maxBackoffMs: 2000
`,
  );
  return file;
};
const alerts = async (am: string) => (await (await fetch(`${am}/api/v2/alerts`)).json()) as AmAlert[];
const metricsOf = async (p: Pipeline) => (await (await fetch(`${p.apiUrl.replace(/\/v1$/, '')}/metrics`, { headers: { authorization: 'Bearer admin-token-0123456789' } })).text());
const { items } = corpusBatch();
/** The ids of the pipeline's findings the route takes (high and critical), once the store has them all. */
async function routedIds(p: Pipeline, atLeast = 2): Promise<Set<string>> {
  const serious = async () => (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items.filter((f) => f.severity === 'high' || f.severity === 'critical');
  await waitFor(async () => (await serious()).length >= atLeast, { what: 'the high findings stored', timeoutMs: 60_000 });
  return new Set((await serious()).map((f) => f.id));
}

let am: ToolProcess;
beforeAll(async () => {
  am = await startTool('alertmanager', { watchVariable: 'ALERTMANAGER_WATCH_PID', needs: 'it installs Debian’s prometheus-alertmanager with apt-get: root or password-less sudo' });
}, 5 * 60_000);
afterAll(async () => {
  await am.stop();
});

describe('notify → Alertmanager', () => {
  it('delivers every routed finding as one alert with its labels and link, and a repeated delivery adds none', async () => {
    const url = am.values.ALERTMANAGER_URL ?? '';
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: notifyFile(url) } });
    try {
      expect((await postEvents(p, eventList(items))).status).toBe(200);
      const expected = await routedIds(p);
      const mine = async () => (await alerts(url)).filter((a) => expected.has(a.labels.finding_id ?? ''));
      await waitFor(async () => (await mine()).length === expected.size, { what: 'the routed findings in Alertmanager', timeoutMs: 60_000 });
      const got = await mine();
      expect(got.map((a) => a.labels.rule)).toContain('anonymous-request-allowed');
      expect(got.every((a) => ['high', 'critical'].includes(a.labels.severity ?? ''))).toBe(true);
      // and none that the route does not take
      expect((await alerts(url)).filter((a) => a.labels.cluster === 'corpus' && !expected.has(a.labels.finding_id ?? ''))).toEqual([]);
      const one = got.find((a) => a.labels.rule === 'anonymous-request-allowed');
      expect(one?.labels).toMatchObject({ alertname: 'KauditFinding', cluster: 'corpus', user: 'system:anonymous' });
      expect(one?.annotations.link).toBe(`https://kaudit.example.com:8080/v1/findings/${encodeURIComponent(one?.labels.finding_id ?? '')}`);
      expect(new Set(got.map((a) => a.labels.finding_id)).size).toBe(got.length);
      const count = got.length;

      // delivered again (a retry, a batch redelivered after a crash): Alertmanager merges them into the same alerts
      const findings = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items.filter((f) => expected.has(f.id));
      const output = { type: 'alertmanager' as const, url, timeoutSeconds: 10, resolveAfterMinutes: 60 };
      expect(await postAlerts(output, findings.map((f) => alertOf(single(f), output, new Date(), undefined)))).toEqual({ ok: true });
      expect((await mine()).length).toBe(count);
    } finally {
      await p.stop();
    }
  }, 180_000);

  it('loses nothing while Alertmanager is down for more than a minute, and delivers each finding once it is back, grouped as configured', async () => {
    const port = /:(\d+)$/.exec(am.values.ALERTMANAGER_URL ?? '')?.[1] ?? '';
    await am.stop();
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: notifyFile(`http://127.0.0.1:${port}`, { grouped: true }) } });
    try {
      expect((await postEvents(p, eventList(items))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 65_000));
      expect(await metricsOf(p)).toMatch(/kaudit_notify_retried_total\{output="am",service="notify"\} [1-9]/);
      am = await startTool('alertmanager', { watchVariable: 'ALERTMANAGER_WATCH_PID', needs: 'root or sudo', env: { ALERTMANAGER_PORT: port } });
      const url = am.values.ALERTMANAGER_URL ?? '';
      const expected = await routedIds(p);
      const outage = async () => (await alerts(url)).filter((a) => expected.has(a.labels.finding_id ?? ''));
      await waitFor(async () => (await outage()).length === expected.size, { what: 'the findings after the outage', timeoutMs: 60_000 });
      expect((await outage()).map((a) => a.labels.finding_id).sort()).toEqual([...expected].sort());
      expect(await metricsOf(p)).not.toMatch(/kaudit_notify_parked_total\{output="am",service="notify"\} [1-9]/);

      // grouped: one alert per window (labelled with its group id), and per rule and identity the counts add
      // up to the findings stored — none lost, none counted twice
      const all = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items;
      const identity = (rule: string, cluster: string, user: string) => JSON.stringify([rule, cluster, user]);
      const stored = new Map<string, number>();
      for (const f of all) stored.set(identity(f.ruleId, f.cluster, f.user), (stored.get(identity(f.ruleId, f.cluster, f.user)) ?? 0) + 1);
      const groupedAlerts = async () => (await alerts(url)).filter((a) => a.labels.group_id !== undefined && a.labels.cluster === 'corpus');
      const counted = async () => (await groupedAlerts()).reduce((sum, a) => sum + Number(a.annotations.count ?? 1), 0);
      await waitFor(async () => (await counted()) >= all.length, { what: 'the grouped alerts', timeoutMs: 60_000 });
      const got = new Map<string, number>();
      for (const a of await groupedAlerts()) {
        const k = identity(a.labels.rule ?? '', a.labels.cluster ?? '', a.labels.user ?? '');
        got.set(k, (got.get(k) ?? 0) + Number(a.annotations.count ?? 1));
      }
      expect(got).toEqual(stored);
      expect((await groupedAlerts()).length).toBeLessThan(all.length);
    } finally {
      await p.stop();
    }
  }, 240_000);

  it('parks the findings of an output that refuses them for good in the DLQ, with the reason, and moves on', async () => {
    const refusing = http.createServer((_req, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('bad alerts'));
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: notifyFile(`http://127.0.0.1:${String((refusing.address() as AddressInfo).port)}`) } });
    try {
      expect((await postEvents(p, eventList(items))).status).toBe(200);
      const parked = async () => (await p.bus.readAll(p.topics.dlq)).filter((m) => m.headers['kaudit-dlq-step'] === 'notify-am');
      const expected = await routedIds(p);
      await waitFor(async () => (await parked()).length >= expected.size, { what: 'the parked findings', timeoutMs: 60_000 });
      const dlq = await parked();
      expect(new Set(dlq.map((m) => (JSON.parse(m.value.toString('utf8')) as { id: string }).id))).toEqual(expected);
      expect(dlq[0]?.headers['kaudit-dlq-reason']).toBe('HTTP 400: bad alerts');
      expect(await metricsOf(p)).toMatch(new RegExp(`kaudit_notify_parked_total\\{output="am",service="notify"\\} ${String(dlq.length)}`));
    } finally {
      await p.stop();
      await new Promise((r) => refusing.close(r));
    }
  }, 120_000);
});
