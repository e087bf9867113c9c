// Grouping (#17): "the same rule and identity within a window becomes one notification carrying a count and
// the first and last times — one real capture raised 49 identical findings in two seconds". The window
// state (services/notify/src/groups.ts) and, through npm start's wiring on the embedded bus, a route with
// `group`: 49 findings of one rule and identity reach a webhook as one notification, under the group's id,
// also when the pipeline restarts while the window is open.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { auditEventOf, eventList } from '#shared/testing';
import { groupKey, Groups, outputOfKey } from '../../services/notify/src/groups.js';
import { linkOf } from '../../services/notify/src/notification.js';
import { bodyOf } from '../../services/notify/src/outputs/templates.js';
import { syslogMessage } from '../../services/notify/src/outputs/syslog.js';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';
import { webhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f1', ruleId: 'secret-read', title: 'Secret read', severity: 'high', category: 'credentials', mitre: [], cluster: 'prod', auditId: 'a', stage: 'ResponseComplete',
  eventTime: '2026-12-06T00:00:01.000Z', user: 'dev', groups: [], sourceIps: [], userAgent: null, verb: 'get', apiGroup: '', resource: 'secrets', subresource: null,
  namespace: 'shop', name: 's', decision: 'allow', responseCode: 200, summary: 'dev read a secret', evidence: {}, ...over,
});
const at = (offset: number, partition = 0) => ({ partition, offset: String(offset) });

describe('grouping windows', () => {
  const key = groupKey('chat', 'secrets', finding());

  it('count the findings of one key within a window, and open another once it closes', () => {
    const g = new Groups();
    expect(g.absorb(key, finding({ id: 'f1', eventTime: '2026-12-06T00:00:02.000Z' }), at(10), 1_000, 5_000)).toBe(true);
    expect(g.absorb(key, finding({ id: 'f2', eventTime: '2026-12-06T00:00:01.000Z' }), at(11), 3_000, 5_000)).toBe(true);
    expect(g.absorb(key, finding({ id: 'f3', eventTime: '2026-12-06T00:00:03.000Z' }), at(12), 5_999, 5_000)).toBe(true);
    expect(g.due(5_999)).toEqual([]);
    expect(g.nextClose()).toBe(6_000);
    const [due] = g.due(6_000);
    expect(due?.key).toBe(key);
    expect(due?.notification).toMatchObject({ count: 3, first: '2026-12-06T00:00:01.000Z', last: '2026-12-06T00:00:03.000Z', findingIds: ['f1', 'f2', 'f3'], grouped: true });
    expect(due?.notification.finding.id).toBe('f1');
    expect(due?.notification.id).toMatch(/^g-[0-9a-f]{32}$/);
    // a finding after the close opens the next window, with an id of its own
    g.absorb(key, finding({ id: 'f4' }), at(13), 6_000, 5_000);
    expect(g.waiting()).toEqual({ windows: 2, findings: 4 });
    const second = g.due(11_000).map((d) => d.notification);
    expect(second.map((n) => n.count)).toEqual([3, 1]);
    expect(new Set(second.map((n) => n.id)).size).toBe(2);
    g.done(key, second[0]?.id ?? '');
    expect(g.due(11_000).map((n) => n.notification.findingIds)).toEqual([['f4']]);
  });

  it('keep apart the keys of other rules, users, clusters, routes and outputs', () => {
    const keys = [key, groupKey('chat', 'secrets', finding({ ruleId: 'pod-exec' })), groupKey('chat', 'secrets', finding({ user: 'ops' })), groupKey('chat', 'secrets', finding({ cluster: 'dev' })), groupKey('chat', 'other', finding()), groupKey('siem', 'secrets', finding())];
    expect(new Set(keys).size).toBe(6);
    expect(outputOfKey(keys[5] ?? '')).toBe('siem');
    expect(outputOfKey('not a key')).toBeUndefined();
    const g = new Groups();
    keys.forEach((k, i) => g.absorb(k, finding({ id: `f${String(i)}` }), at(i), 0, 1_000));
    expect(g.due(1_000).map((d) => d.notification.count)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('do not count again a message delivered again (a batch absorbed but not committed before a crash)', () => {
    const g = new Groups();
    g.absorb(key, finding({ id: 'f1' }), at(10), 0, 5_000);
    g.absorb(key, finding({ id: 'f2' }), at(11), 0, 5_000);
    expect(g.absorb(key, finding({ id: 'f1' }), at(10), 1, 5_000)).toBe(false);
    expect(g.absorb(key, finding({ id: 'f2' }), at(11), 1, 5_000)).toBe(false);
    // another partition's offsets are its own
    expect(g.absorb(key, finding({ id: 'f9' }), at(5, 1), 1, 5_000)).toBe(true);
    expect(g.waiting().findings).toBe(3);
  });

  it('come back from the topic’s values for the partitions gained, and keep what memory holds of those kept', () => {
    const g = new Groups();
    g.assign(new Map(), new Set([0]));
    g.absorb(key, finding({ id: 'f1' }), at(10), 0, 5_000);
    const stored = new Map([[key, g.value(key) ?? Buffer.alloc(0)]]);
    const other = groupKey('chat', 'secrets', finding({ user: 'ops' }));
    const restored = new Groups();
    expect(restored.assign(new Map([...stored, [other, Buffer.from('{"partition":1')], ['gone', Buffer.from('null')]]), new Set([0]))).toEqual([other]);
    expect(restored.due(5_000).map((d) => d.notification.id)).toEqual(g.due(5_000).map((d) => d.notification.id));
    // the same message again after the restore: already counted
    expect(restored.absorb(key, finding({ id: 'f1' }), at(10), 1, 5_000)).toBe(false);
    // a partition kept: memory (newer than the topic) stays; a partition lost: its keys leave
    restored.absorb(key, finding({ id: 'f2' }), at(11), 2, 5_000);
    restored.assign(stored, new Set([0, 1]));
    expect(restored.waiting().findings).toBe(2);
    restored.assign(stored, new Set([1]));
    expect(restored.waiting()).toEqual({ windows: 0, findings: 0 });
    expect(restored.value(key)).toBeUndefined();
  });

  it('let idle keys go once nothing is open and nothing came for a while', () => {
    const g = new Groups();
    g.absorb(key, finding(), at(1), 0, 1_000);
    expect(g.idle(10_000, 5_000)).toEqual([]);
    g.done(key, g.due(1_000)[0]?.notification.id ?? '');
    expect(g.idle(4_000, 5_000)).toEqual([]);
    expect(g.idle(5_000, 5_000)).toEqual([key]);
    expect(g.size).toBe(0);
  });

  it('are written with their count and first and last times in every format', () => {
    const g = new Groups();
    g.absorb(key, finding({ id: 'f1', eventTime: '2026-12-06T00:00:01.000Z' }), at(1), 0, 1_000);
    g.absorb(key, finding({ id: 'f2', eventTime: '2026-12-06T00:00:03.000Z' }), at(2), 0, 1_000);
    const n = g.due(1_000)[0]?.notification;
    if (n === undefined) throw new Error('no window');
    const link = linkOf('https://k/', n);
    expect(link).toBe(`https://k/v1/findings?ruleId=secret-read&cluster=prod&user=dev&since=2026-12-06T00%3A00%3A01.000Z&until=2026-12-06T00%3A00%3A03.001Z`);
    const times = '(2 times from 2026-12-06T00:00:01.000Z to 2026-12-06T00:00:03.000Z)';
    expect((bodyOf('slack', n, { link }) as { text: string }).text).toContain(times);
    expect(bodyOf('pagerduty', n, { link, routingKey: 'k' })).toMatchObject({ dedup_key: n.id, payload: { timestamp: n.last, custom_details: { group: { id: n.id, count: 2 } } } });
    expect(bodyOf('falco', n, { link })).toMatchObject({ output_fields: { 'kaudit.group': n.id, 'kaudit.count': 2 } });
    expect(bodyOf('json', n, { link })).toMatchObject({ id: 'f1', group: { id: n.id, count: 2, first: n.first, last: n.last, findingIds: ['f1', 'f2'] } });
    expect(syslogMessage(n, { facility: 'authpriv', appName: 'kaudit', format: 'rfc5424', link, hostname: 'h' })).toContain(`group="${n.id}" count="2" first="${n.first}" last="${n.last}"`);
    expect(syslogMessage(n, { facility: 'authpriv', appName: 'kaudit', format: 'cef', link, hostname: 'h' })).toMatch(new RegExp(`externalId=${n.id} cnt=2 `));
  });
});

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(): Promise<WebhookReceiver> {
  const r = await webhookReceiver({ up: true });
  receivers.push(r);
  return r;
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-grouping-'));
const anonymous = (i: number) =>
  auditEventOf({ auditID: `grp-${String(i)}`, requestURI: '/api/v1/namespaces/shop/configmaps', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: ['198.51.100.9'], annotations: { 'authorization.k8s.io/decision': 'allow' } });
const metric = async (p: Pipeline, name: string) => {
  const text = await (await fetch(`${p.apiUrl.replace(/\/v1$/, '')}/metrics`, { headers: { authorization: 'Bearer admin-token-0123456789' } })).text();
  return Number(new RegExp(`^${name}\\{output="grouped",service="notify"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
};
const notifyFile = (url: string, windowSeconds: number) => {
  const file = path.join(dir, `notify-${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(
    file,
    `outputs:
  grouped: { type: webhook, template: json, url: "${url}grouped" }
  each: { type: webhook, template: json, url: "${url}each" }
routes:
  - { name: anon, match: { rules: [anonymous-request-allowed] }, outputs: [grouped], group: { windowSeconds: ${String(windowSeconds)} } }
  - { name: every, match: { rules: [anonymous-request-allowed] }, outputs: [each] }
`,
  );
  return file;
};
const anonymousFindings = async (p: Pipeline) => (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000&ruleId=anonymous-request-allowed')).items;

describe('a route with grouping', () => {
  it('sends 49 findings of one rule and identity as one notification with their count, first and last times', async () => {
    const r = await receiver();
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: notifyFile(r.url, 3) } });
    try {
      expect((await postEvents(p, eventList(Array.from({ length: 49 }, (_, i) => anonymous(i))))).status).toBe(200);
      await waitFor(async () => (await anonymousFindings(p)).length === 49, { what: 'the 49 findings', timeoutMs: 30_000 });
      const findings = await anonymousFindings(p);
      await waitFor(() => Promise.resolve(r.got.filter((g) => g.key.startsWith('g-')).length >= 1 && r.got.length >= 50), { what: 'the deliveries', timeoutMs: 30_000 });
      const grouped = r.got.filter((g) => g.key.startsWith('g-'));
      expect(grouped).toHaveLength(1);
      const times = findings.map((f) => f.eventTime).sort();
      expect(grouped[0]?.body.group).toMatchObject({ id: grouped[0]?.key, count: 49, first: times[0], last: times.at(-1) });
      expect(grouped[0]?.body.group?.findingIds).toHaveLength(20);
      // the route without grouping sent each finding on its own
      expect(new Set(r.got.filter((g) => !g.key.startsWith('g-')).map((g) => g.key))).toEqual(new Set(findings.map((f) => f.id)));
      expect(await metric(p, 'kaudit_notify_sent_total')).toBe(49);
      expect(await metric(p, 'kaudit_notify_notifications_total')).toBe(1);
      expect(await metric(p, 'kaudit_notify_grouped_waiting')).toBe(0);
    } finally {
      await p.stop();
    }
  }, 60_000);

  it('keeps an open window across a restart: the findings before and after it arrive as one notification, once', async () => {
    const r = await receiver();
    const file = notifyFile(r.url, 20);
    const topicPrefix = `grp${String(Date.now())}.`;
    const first = await startPipeline({ topicPrefix, env: { KAUDIT_NOTIFY_FILE: file } });
    const dataDir = first.dataDir;
    try {
      expect((await postEvents(first, eventList(Array.from({ length: 30 }, (_, i) => anonymous(100 + i))))).status).toBe(200);
      await waitFor(async () => (await metric(first, 'kaudit_notify_grouped_waiting')) === 30, { what: '30 findings in the window', timeoutMs: 30_000 });
    } finally {
      await first.stop();
    }
    expect(r.got.filter((g) => g.key.startsWith('g-'))).toHaveLength(0);
    const second = await startPipeline({ topicPrefix, dataDir, env: { KAUDIT_NOTIFY_FILE: file } });
    try {
      await waitFor(async () => (await metric(second, 'kaudit_notify_grouped_waiting')) === 30, { what: 'the window restored', timeoutMs: 30_000 });
      expect((await postEvents(second, eventList(Array.from({ length: 19 }, (_, i) => anonymous(200 + i))))).status).toBe(200);
      await waitFor(async () => (await metric(second, 'kaudit_notify_grouped_waiting')) === 49, { what: '49 findings in the window', timeoutMs: 30_000 });
      await waitFor(() => Promise.resolve(r.got.some((g) => g.key.startsWith('g-'))), { what: 'the window delivered', timeoutMs: 40_000 });
      await new Promise((res) => setTimeout(res, 1_500));
      const grouped = r.got.filter((g) => g.key.startsWith('g-'));
      expect(grouped).toHaveLength(1);
      expect(grouped[0]?.body.group).toMatchObject({ count: 49 });
      expect(await metric(second, 'kaudit_notify_grouped_waiting')).toBe(0);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
