// The notify service's file (services/notify/src/notify-file.ts), its routes (match.ts) and its delivery
// policy (deliver.ts): what is accepted and refused, which findings a route takes, and how a delivery is
// retried, given up or parked.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { repoRoot } from '#shared/testing';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import { runNotify } from '../../services/notify/src/service.js';
import { waitFor } from '../helpers/wait-for.js';
import { deliver, DeliveryInterrupted, httpAttempt, type Attempt } from '../../services/notify/src/deliver.js';
import { routeMatches, routeTo } from '../../services/notify/src/match.js';
import { readNotifyFile, type NotifyRoute } from '../../services/notify/src/notify-file.js';
import { rateLimit } from '../../services/notify/src/rate-limit.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-unit-'));
const file = (text: string) => {
  const f = path.join(dir, `${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(f, text);
  return f;
};
const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f1', ruleId: 'pod-exec', title: 't', severity: 'high', category: 'workload', mitre: [], cluster: 'prod', auditId: 'a', stage: 'ResponseComplete',
  eventTime: '2026-12-06T00:00:00.000Z', user: 'u', groups: [], sourceIps: [], userAgent: null, verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec',
  namespace: 'shop', name: 'p', decision: 'allow', responseCode: 101, summary: 's', evidence: {}, ...over,
});
const route = (match: NotifyRoute['match'], outputs = ['am']): NotifyRoute => ({ name: 'r', match, outputs });

describe('the notify file', () => {
  it('reads outputs, routes, delivery and links, with defaults', () => {
    const f = readNotifyFile(file('outputs:\n  am: { type: alertmanager, url: "http://am:9093" }\nroutes:\n  - { name: all, outputs: [am] }\n'));
    expect(f).toEqual({
      outputs: { am: { type: 'alertmanager', url: 'http://am:9093', timeoutSeconds: 10, resolveAfterMinutes: 60 } },
      routes: [{ name: 'all', match: {}, outputs: ['am'] }],
      delivery: { retryForSeconds: 3600, firstBackoffMs: 500, maxBackoffMs: 60_000 },
    });
  });

  it.each([
    ['outputs: {}\nroutes: [{ name: r, outputs: [am] }]\n', /at routes\.0\.outputs: no output named am/],
    ['outputs:\n  am: { type: alertmanager, url: "ftp://x" }\nroutes: [{ name: r, outputs: [am] }]\n', /at outputs\.am\.url/],
    ['outputs:\n  am: { type: pager, url: "http://x" }\nroutes: [{ name: r, outputs: [am] }]\n', /at outputs\.am\.type/],
    ['outputs:\n  am: { type: alertmanager, url: "http://x" }\nroutes: [{ name: r, match: { minSeverity: urgent }, outputs: [am] }]\n', /at routes\.0\.match\.minSeverity/],
    ['outputs:\n  am: { type: alertmanager, url: "http://x" }\nroutes: [{ name: r, match: { severity: high }, outputs: [am] }]\n', /at routes\.0\.match/],
    ['outputs:\n  am: { type: alertmanager, url: "http://x" }\nroutes: [{ name: r, outputs: [am] }, { name: r, outputs: [am] }]\n', /two routes are named r/],
    ['outputs:\n  am: { type: alertmanager, url: "http://x" }\nroutes: [{ name: r, outputs: [am], group: { windowSeconds: 0 } }]\n', /at routes\.0\.group\.windowSeconds/],
    ['outputs:\n  am: { type: alertmanager, url: "http://x" }\nroutes: [{ name: r, outputs: [am], group: { by: [user] } }]\n', /at routes\.0\.group/],
    ['outputs: [\n', /is not YAML/],
  ])('refuses %j', (text, message) => {
    expect(() => readNotifyFile(file(text))).toThrow(/KAUDIT_NOTIFY_FILE: /);
    expect(() => readNotifyFile(file(text))).toThrow(message);
  });

  it('accepts every example of the README’s Alerts section', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Alerts (notify)'), readme.indexOf('## Query API'));
    const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const text of examples) expect(readNotifyFile(file(text)).routes.length).toBeGreaterThan(0);
  });

  it('says when the file cannot be read', () => {
    expect(() => readNotifyFile(path.join(dir, 'missing.yaml'))).toThrow(/KAUDIT_NOTIFY_FILE: cannot read/);
  });
});

describe('routes', () => {
  it('take a finding only when every condition they set holds', () => {
    const f = finding();
    expect(routeMatches(route({}), f)).toBe(true);
    expect(routeMatches(route({ minSeverity: 'high' }), f)).toBe(true);
    expect(routeMatches(route({ minSeverity: 'critical' }), f)).toBe(false);
    expect(routeMatches(route({ rules: ['pod-exec', 'x'] }), f)).toBe(true);
    expect(routeMatches(route({ rules: ['x'] }), f)).toBe(false);
    expect(routeMatches(route({ categories: ['workload'], clusters: ['prod'], namespaces: ['shop'] }), f)).toBe(true);
    expect(routeMatches(route({ clusters: ['staging'] }), f)).toBe(false);
    expect(routeMatches(route({ namespaces: ['shop'] }), finding({ namespace: null }))).toBe(false);
  });

  it('send a finding to an output through the first route, in the file’s order, that takes it and names the output', () => {
    const routes = [
      { ...route({ minSeverity: 'high' }, ['am', 'siem']), name: 'high' },
      { ...route({ rules: ['pod-exec'] }, ['chat', 'am']), name: 'exec', group: { windowSeconds: 60 } },
      { ...route({ clusters: ['x'] }, ['never']), name: 'x' },
    ];
    expect(routeTo(routes, 'am', finding())?.name).toBe('high');
    expect(routeTo(routes, 'chat', finding())?.name).toBe('exec');
    expect(routeTo(routes, 'am', finding({ severity: 'low' }))?.name).toBe('exec');
    expect(routeTo(routes, 'siem', finding({ severity: 'low' }))).toBeUndefined();
    expect(routeTo(routes, 'never', finding())).toBeUndefined();
  });
});

describe('delivery', () => {
  const policy = { retryForMs: 10_000, firstBackoffMs: 1, maxBackoffMs: 4 };
  const signal = new AbortController().signal;
  const attempts = (...as: Attempt[]) => {
    let i = 0;
    const delivered: Attempt = { ok: true };
    return () => Promise.resolve(as[Math.min(i++, as.length - 1)] ?? delivered);
  };

  it('retries what may succeed later and counts the attempts', async () => {
    const waits: number[] = [];
    const got = await deliver(attempts({ ok: false, retriable: true, reason: 'HTTP 503' }, { ok: false, retriable: true, reason: 'refused' }, { ok: true }), policy, { signal, onRetry: (_r, w) => waits.push(w), random: () => 1 });
    expect(got).toEqual({ delivered: true, attempts: 3 });
    // full jitter with random() = 1: the exponential backoff itself
    expect(waits).toEqual([1, 2]);
  });

  it('waits at least what Retry-After asks', async () => {
    const waits: number[] = [];
    await deliver(attempts({ ok: false, retriable: true, reason: 'HTTP 429', retryAfterMs: 30 }, { ok: true }), policy, { signal, onRetry: (_r, w) => waits.push(w), random: () => 0 });
    expect(waits).toEqual([30]);
  });

  it('gives up at once on a refusal, and once the retry time is spent', async () => {
    expect(await deliver(attempts({ ok: false, retriable: false, reason: 'HTTP 400: bad' }), policy, { signal })).toEqual({ delivered: false, attempts: 1, reason: 'HTTP 400: bad' });
    const spent = await deliver(attempts({ ok: false, retriable: true, reason: 'HTTP 503', retryAfterMs: 60_000 }), policy, { signal });
    expect(spent).toEqual({ delivered: false, attempts: 1, reason: 'still failing after 0 s: HTTP 503' });
  });

  it('stops retrying when shut down, neither delivered nor parked', async () => {
    const stop = new AbortController();
    const running = deliver(attempts({ ok: false, retriable: true, reason: 'down' }), { ...policy, firstBackoffMs: 5_000, maxBackoffMs: 5_000 }, { signal: stop.signal, random: () => 1 });
    setTimeout(() => {
      stop.abort();
    }, 20);
    await expect(running).rejects.toBeInstanceOf(DeliveryInterrupted);
  });

  it('reads HTTP answers: 2xx delivered; 408, 429 and 5xx retried; other 4xx refused; Retry-After in seconds or as a date', () => {
    expect(httpAttempt(200, null, '')).toEqual({ ok: true });
    expect(httpAttempt(503, '7', 'busy')).toEqual({ ok: false, retriable: true, reason: 'HTTP 503: busy', retryAfterMs: 7000 });
    expect(httpAttempt(429, null, '')).toMatchObject({ retriable: true });
    expect(httpAttempt(408, null, '')).toMatchObject({ retriable: true });
    expect(httpAttempt(400, null, 'no')).toMatchObject({ retriable: false, reason: 'HTTP 400: no' });
    const later = httpAttempt(503, new Date(Date.now() + 60_000).toUTCString(), '');
    expect(!later.ok && (later.retryAfterMs ?? 0) > 55_000).toBe(true);
  });
});

describe('rate limit', () => {
  it('lets a minute’s worth go at once, then one per 60/N seconds, and waits without dropping', async () => {
    let t = 0;
    const limit = rateLimit(120, () => t);
    const signal = new AbortController().signal;
    for (let i = 0; i < 120; i++) await limit.take(signal);
    // the 121st waits for its token: half a second at 120 a minute
    let done = false;
    const next = limit.take(signal).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    t += 500;
    await next;
    expect(done).toBe(true);
    // no limit: never waits
    await rateLimit(undefined).take(signal);
  });
});

describe('the service', () => {
  it('reports an output whose delivery has been failing for longer than the limit as stalled, and not once it recovers', async () => {
    let up = false;
    const server = http.createServer((_req, res) => res.writeHead(up ? 200 : 503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const logger = silentLogger();
    const topics = topicNames('st.');
    const bus = createEmbeddedBus({ dir: mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-stalled-')), topics: allTopics(topics), logger });
    await bus.start();
    const lifecycle = createLifecycle({ logger, exit: () => undefined });
    const notify = await runNotify({
      file: { outputs: { hook: { type: 'webhook', template: 'json', url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`, timeoutSeconds: 5 } }, routes: [{ name: 'all', match: {}, outputs: ['hook'] }], delivery: { retryForSeconds: 60, firstBackoffMs: 20, maxBackoffMs: 50 } },
      bus, topics, prefix: 'st.', logger, lifecycle, stalledAfterMs: 300,
    });
    try {
      expect(notify.stalled()).toEqual([]);
      await bus.produce(topics.findings, [{ key: 'prod/u', value: Buffer.from(JSON.stringify(finding())) }]);
      await waitFor(() => Promise.resolve(notify.stalled().length > 0), { what: 'the output reported stalled', timeoutMs: 10_000 });
      expect(notify.stalled()).toEqual([expect.stringMatching(/^notify output hook: delivery failing for \d+ s$/)]);
      up = true;
      await waitFor(() => Promise.resolve(notify.stalled().length === 0), { what: 'the output recovered', timeoutMs: 10_000 });
    } finally {
      await lifecycle.shutdown('test done');
      await bus.close();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);
});
