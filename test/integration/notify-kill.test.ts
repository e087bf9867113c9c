// Acceptance (#17): "nothing lost across kill -9 or an output outage", for the notify service: npm start's
// process delivers to an Alertmanager that is down, is killed with SIGKILL while it retries, and is started
// again; once Alertmanager (Debian's package, tools/alertmanager/alertmanager.sh) is back on its port, every
// finding the route takes is there, each once. A second output, a webhook behind a grouping route, answers 503
// until the restart: its windows survive the kill, and the findings arrive grouped, each counted once.
// Events: 300 anonymous requests that were allowed (one anonymous-request-allowed finding, severity high, each).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditEventOf } from '#shared/testing';
import { freePort } from '../helpers/free-port.js';
import { startStandalone, stop, stopAll, tokenOf } from '../helpers/standalone-process.js';
import { startTool, type ToolProcess } from '../helpers/tool-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { webhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const total = 300;
const event = (i: number) =>
  auditEventOf({
    auditID: `nk-${String(i)}`,
    requestURI: `/api/v1/namespaces/ns-${String(i % 5)}/configmaps`,
    user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    sourceIPs: ['198.51.100.7'],
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  });

let am: ToolProcess | undefined;
let hook: WebhookReceiver | undefined;
afterAll(async () => {
  await stopAll();
  await am?.stop();
  await hook?.close();
});

describe('notify under kill -9 during an output outage', () => {
  it('delivers every finding once the output is back, after npm start was killed while it retried', async () => {
    const port = await freePort();
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-kill-'));
    const file = path.join(cwd, 'notify.yaml');
    const r = await webhookReceiver();
    hook = r;
    writeFileSync(
      file,
      `outputs:\n  am: { type: alertmanager, url: "http://127.0.0.1:${String(port)}" }\n  hook: { type: webhook, template: json, url: "${r.url}" }\nroutes:\n  - { name: serious, match: { minSeverity: high }, outputs: [am] }\n  - { name: grouped, match: { minSeverity: high }, outputs: [hook], group: { windowSeconds: 2 } }\ndelivery: { firstBackoffMs: 100, maxBackoffMs: 1000 }\n`,
    );
    const env = { KAUDIT_NOTIFY_FILE: file };
    const first = await startStandalone(cwd, env);
    const res = await first.fetch(`${first.ingest}/v1/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenOf(cwd, 'ingest-tokens')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', items: Array.from({ length: total }, (_, i) => event(i)) }),
    });
    expect(res.status).toBe(200);
    const metrics = async (s: typeof first) => (await (await s.fetch(`${s.api}/metrics`, { headers: { authorization: `Bearer ${tokenOf(cwd, 'api-tokens', 'admin:')}` } })).text());
    // killed while it retries the unreachable output
    await waitFor(async () => /kaudit_notify_retried_total\{output="am",service="notify"\} [1-9]/.test(await metrics(first)), { what: 'notify retrying', timeoutMs: 60_000 });
    await waitFor(async () => /kaudit_notify_retried_total\{output="hook",service="notify"\} [1-9]/.test(await metrics(first)), { what: 'the grouped window retrying', timeoutMs: 60_000 });
    await stop(first.child, 'SIGKILL');

    r.up();
    am = await startTool('alertmanager', { watchVariable: 'ALERTMANAGER_WATCH_PID', needs: 'it installs Debian’s prometheus-alertmanager with apt-get: root or password-less sudo', env: { ALERTMANAGER_PORT: String(port) } });
    const second = await startStandalone(cwd, env);
    const alerts = async () => (await (await fetch(`http://127.0.0.1:${String(port)}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
    await waitFor(async () => (await alerts()).length >= total, { what: `${String(total)} alerts`, timeoutMs: 120_000, intervalMs: 500 });
    const got = await alerts();
    expect(got).toHaveLength(total);
    expect(new Set(got.map((a) => a.labels.finding_id)).size).toBe(total);
    expect(new Set(got.map((a) => a.labels.rule))).toEqual(new Set(['anonymous-request-allowed']));
    // grouped: each window under its group id; a window sent again after the kill has the same id and count
    const counted = () => new Map(r.got.map((g) => [g.key, g.count]));
    await waitFor(() => Promise.resolve([...counted().values()].reduce((a, b) => a + b, 0) >= total), { what: 'the grouped findings', timeoutMs: 60_000 });
    expect([...counted().keys()].every((k) => k.startsWith('g-'))).toBe(true);
    expect([...counted().values()].reduce((a, b) => a + b, 0)).toBe(total);
    for (const g of r.got) expect(g.count).toBe(counted().get(g.key));
    expect(counted().size).toBeLessThan(total / 10);
    await stop(second.child);
  }, 300_000);
});
