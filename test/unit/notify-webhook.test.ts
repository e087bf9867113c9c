// Acceptance (#17, webhook outputs): "the webhook outputs against a local HTTP server that fails, times out
// and recovers". The receiver answers 503 with Retry-After, then hangs past the output's timeout, then takes
// the requests; every routed finding arrives, under its Idempotency-Key, in the template's format. The
// pipeline is npm start's wiring on the embedded bus with KAUDIT_NOTIFY_FILE.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { single } from '../../services/notify/src/notification.js';
import { bodyOf } from '../../services/notify/src/outputs/templates.js';
import { readNotifyFile } from '../../services/notify/src/notify-file.js';
import { getJson, postEvents, startPipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';
import { auditEventOf, eventList } from '#shared/testing';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-webhook-'));
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A receiver that fails (503, Retry-After: 1), then hangs (past the output's timeout), then takes requests. */
async function flakyReceiver(): Promise<{ url: string; received: { key: string; body: unknown }[]; refused: () => number }> {
  const received: { key: string; body: unknown }[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      requests++;
      if (requests <= 2) {
        res.writeHead(503, { 'retry-after': '1' }).end('warming up');
        return;
      }
      if (requests <= 3) return; // never answered: the output's timeout ends it
      received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(text) as unknown });
      res.writeHead(200).end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`, received, refused: () => Math.min(requests, 3) };
}

const anonymous = (i: number) =>
  auditEventOf({ auditID: `wh-${String(i)}`, requestURI: '/api/v1/namespaces/shop/configmaps', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: ['198.51.100.9'], annotations: { 'authorization.k8s.io/decision': 'allow' } });

describe('notify → webhook', () => {
  it('delivers every routed finding once the receiver recovers, each under its Idempotency-Key, in Slack’s format', async () => {
    const receiver = await flakyReceiver();
    const urlFile = path.join(dir, 'slack-url');
    writeFileSync(urlFile, `${receiver.url}\n`);
    const file = path.join(dir, 'notify.yaml');
    writeFileSync(file, `outputs:\n  chat: { type: webhook, template: slack, url: { file: ${urlFile} }, timeoutSeconds: 1 }\nroutes:\n  - { name: anon, match: { rules: [anonymous-request-allowed] }, outputs: [chat] }\ndelivery: { firstBackoffMs: 50, maxBackoffMs: 200 }\nlinks: { baseUrl: "https://kaudit.example.com" }\n`);
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: file } });
    try {
      expect((await postEvents(p, eventList(Array.from({ length: 5 }, (_, i) => anonymous(i))))).status).toBe(200);
      await waitFor(async () => (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=100&ruleId=anonymous-request-allowed')).items.length === 5, { what: 'the five findings', timeoutMs: 30_000 });
      const ids = new Set((await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=100&ruleId=anonymous-request-allowed')).items.map((f) => f.id));
      await waitFor(() => Promise.resolve(new Set(receiver.received.map((r) => r.key)).size === 5), { what: 'five deliveries', timeoutMs: 30_000 });
      expect(new Set(receiver.received.map((r) => r.key))).toEqual(ids);
      // the one that timed out was sent again: its key may have arrived twice, never another finding's
      expect(receiver.received.length).toBeLessThanOrEqual(6);
      expect(receiver.refused()).toBe(3);
      const text = (receiver.received[0]?.body as { text: string }).text;
      expect(text).toMatch(/^\[HIGH\] Anonymous request allowed \(anonymous-request-allowed\): .* — system:anonymous on corpus\/shop, .* <https:\/\/kaudit\.example\.com\/v1\/findings\/[^|]+\|finding>$/);
      const metrics = await (await fetch(`${p.apiUrl.replace(/\/v1$/, '')}/metrics`, { headers: { authorization: 'Bearer admin-token-0123456789' } })).text();
      expect(metrics).toMatch(/kaudit_notify_retried_total\{output="chat",service="notify"\} [3-9]/);
      expect(metrics).toMatch(/kaudit_notify_sent_total\{output="chat",service="notify"\} 5/);
    } finally {
      await p.stop();
    }
  }, 60_000);

  it('takes the URL from a KAUDIT_NOTIFY_SECRET_ variable, and refuses to start when it is not set', async () => {
    const got: string[] = [];
    const server = http.createServer((req, res) => {
      got.push(String(req.headers['idempotency-key']));
      res.writeHead(200).end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const file = path.join(dir, 'env.yaml');
    writeFileSync(file, `outputs:\n  chat: { type: webhook, template: mattermost, url: { env: KAUDIT_NOTIFY_SECRET_CHAT_URL } }\nroutes:\n  - { name: anon, match: { rules: [anonymous-request-allowed] }, outputs: [chat] }\n`);
    await expect(startPipeline({ env: { KAUDIT_NOTIFY_FILE: file } })).rejects.toThrow(/KAUDIT_NOTIFY_SECRET_CHAT_URL: is not set, but KAUDIT_NOTIFY_FILE's url names it/);
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: file, KAUDIT_NOTIFY_SECRET_CHAT_URL: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/` } });
    try {
      expect((await postEvents(p, eventList([anonymous(100)]))).status).toBe(200);
      await waitFor(() => Promise.resolve(got.length === 1), { what: 'the delivery', timeoutMs: 30_000 });
    } finally {
      await p.stop();
    }
  }, 60_000);

  it('fills a custom template’s placeholders in its parsed body and sends the extra headers, their secrets from the environment', async () => {
    const got: { auth: string | undefined; body: unknown }[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        got.push({ auth: req.headers.authorization, body: JSON.parse(text) as unknown });
        res.writeHead(202).end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const file = path.join(dir, 'custom.yaml');
    writeFileSync(
      file,
      `outputs:
  opsgenie:
    type: webhook
    url: http://127.0.0.1:${String((server.address() as AddressInfo).port)}/v2/alerts
    headers: { Authorization: { env: KAUDIT_NOTIFY_SECRET_GENIE } }
    template: custom
    body:
      message: "{{title}} on {{cluster}}"
      alias: "{{id}}"
      description: "{{summary}}"
      priority: P2
      details: { user: "{{user}}", namespace: "{{namespace}}", count: "{{count}}", where: "{{cluster}}/{{namespace}}" }
      tags: [kaudit, "{{rule}}"]
routes:
  - { name: anon, match: { rules: [anonymous-request-allowed] }, outputs: [opsgenie] }
`,
    );
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: file, KAUDIT_NOTIFY_SECRET_GENIE: 'GenieKey 0123-secret' } });
    try {
      // a summary with quotes and braces stays a string: placeholders are filled in the parsed body
      expect((await postEvents(p, eventList([auditEventOf({ ...anonymous(300), requestURI: '/api/v1/namespaces/shop/configmaps/x%22%7D' })]))).status).toBe(200);
      await waitFor(() => Promise.resolve(got.length === 1), { what: 'the delivery', timeoutMs: 30_000 });
      // notify and the store read the findings topic apart: the store may have it a moment later
      const stored = async () => (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=10&ruleId=anonymous-request-allowed')).items;
      await waitFor(async () => (await stored()).length === 1, { what: 'the finding stored', timeoutMs: 30_000 });
      const [f] = await stored();
      expect(got[0]?.auth).toBe('GenieKey 0123-secret');
      expect(got[0]?.body).toEqual({
        message: `${f?.title ?? ''} on corpus`,
        alias: f?.id,
        description: f?.summary,
        priority: 'P2',
        details: { user: 'system:anonymous', namespace: 'shop', count: 1, where: 'corpus/shop' },
        tags: ['kaudit', 'anonymous-request-allowed'],
      });
    } finally {
      await p.stop();
    }
  }, 60_000);

  it('refuses a custom body with a placeholder that names no field, listing the fields', () => {
    const file = path.join(dir, 'bad-custom.yaml');
    writeFileSync(file, 'outputs:\n  x: { type: webhook, url: "http://x", template: custom, body: { a: "{{usr}}" } }\nroutes:\n  - { name: all, outputs: [x] }\n');
    expect(() => readNotifyFile(file)).toThrow(/at outputs\.x\.body: no field named usr \(fields: id, finding, rule, /);
    writeFileSync(file, 'outputs:\n  x: { type: webhook, url: "http://x", template: custom }\nroutes:\n  - { name: all, outputs: [x] }\n');
    expect(() => readNotifyFile(file)).toThrow(/body is for the custom template, and that template needs one/);
  });

  it('refuses to start when the URL file cannot be read, naming it', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, `outputs:\n  chat: { type: webhook, url: { file: ${path.join(dir, 'missing')} } }\nroutes:\n  - { name: all, outputs: [chat] }\n`);
    await expect(startPipeline({ env: { KAUDIT_NOTIFY_FILE: file } })).rejects.toThrow(/KAUDIT_NOTIFY_FILE \(url\): cannot read .*missing/);
  });

  it('writes each template in its receiver’s format', () => {
    const f: Finding = {
      id: 'abc', ruleId: 'pod-exec', title: 'Exec into a pod', severity: 'critical', category: 'workload', mitre: ['T1609'], cluster: 'prod', auditId: 'a1', stage: 'ResponseComplete', eventTime: '2026-12-06T00:00:00.000Z', user: 'dev', groups: [], sourceIps: ['10.0.0.1'], userAgent: null,
      verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web', decision: 'allow', responseCode: 101, summary: 'dev ran a shell', evidence: {},
    };
    const link = 'https://k/v1/findings/abc';
    expect(bodyOf('mattermost', single(f), { link })).toEqual({ text: '[CRITICAL] Exec into a pod (pod-exec): dev ran a shell — dev on prod/shop, 2026-12-06T00:00:00.000Z [finding](https://k/v1/findings/abc)', username: 'kaudit' });
    expect(bodyOf('pagerduty', single(f), { link, routingKey: 'R0UTING' })).toMatchObject({ routing_key: 'R0UTING', event_action: 'trigger', dedup_key: 'abc', payload: { severity: 'critical', source: 'prod', class: 'pod-exec', timestamp: f.eventTime }, links: [{ href: link }] });
    expect(bodyOf('teams', single(f), { link })).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', actions: [{ type: 'Action.OpenUrl', url: link }] } }] });
    expect(bodyOf('falco', single(f), { link })).toMatchObject({ rule: 'Exec into a pod', priority: 'Critical', source: 'k8s_audit', time: f.eventTime, output_fields: { 'ka.user.name': 'dev', 'ka.verb': 'create', 'kaudit.finding': 'abc' } });
    expect(bodyOf('json', single(f), { link: undefined })).toEqual(f);
  });
});
