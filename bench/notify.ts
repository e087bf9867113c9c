// The notify service's delivery: findings put on the findings topic (embedded bus) and received by local
// receivers that answer at once — a webhook (json template, one finding a request), an Alertmanager v2
// endpoint (500 alerts a request) and a syslog TCP listener (RFC 5424, octet-counted) — so the figures are
// notify's own cost. Latency: findings produced one at a time, from the produce to the receiver's arrival,
// p50/p99 per output. Throughput: a burst of findings, notifications/s per output until the last arrives.
// Grouping: a burst of findings of a few identities through a grouped route: notifications and the delay
// after each window's close.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { allTopics, createEmbeddedBus, messageKey, topicNames } from '#shared/bus';
import type { Finding } from '#shared/contracts';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import type { NotifyFile } from '../services/notify/src/notify-file.js';
import { runNotify } from '../services/notify/src/service.js';
import { percentile, sleep } from './measure.js';

type Arrivals = Map<string, number>;

const finding = (id: string, user: string): Finding => ({
  id, ruleId: 'secret-read-burst', title: 'Secrets read in a burst', severity: 'high', category: 'credentials', mitre: ['T1552'], cluster: 'bench', auditId: id,
  stage: 'ResponseComplete', eventTime: new Date().toISOString(), user, groups: ['developers'], sourceIps: ['10.0.0.7'], userAgent: 'kubectl/v1.31.0', verb: 'get', apiGroup: '',
  resource: 'secrets', subresource: null, namespace: 'shop', name: 'db-password', decision: 'allow', responseCode: 200, summary: `${user} read 20 secrets in a minute`, evidence: { reads: 20 },
});

async function httpReceiver(onBody: (body: unknown, at: number) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      onBody(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown, performance.now());
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, close: () => new Promise((r) => server.close(() => { r(); })) };
}

/** An octet-counted syslog listener: each message's `finding="…"`. */
async function syslogReceiver(onFinding: (id: string, at: number) => void): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    let buf = '';
    s.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      for (;;) {
        const sp = buf.indexOf(' ');
        if (sp < 0) return;
        const len = Number(buf.slice(0, sp));
        if (Buffer.byteLength(buf.slice(sp + 1)) < len) return;
        const msg = Buffer.from(buf.slice(sp + 1)).subarray(0, len).toString('utf8');
        buf = Buffer.from(buf.slice(sp + 1)).subarray(len).toString('utf8');
        const id = /finding="([^"]+)"/.exec(msg)?.[1];
        if (id !== undefined) onFinding(id, performance.now());
      }
    });
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => { r(); });
      }),
  };
}

export interface NotifyFigures {
  latency: Record<string, { findings: number; p50Ms: number; p99Ms: number }>;
  throughput: Record<string, { findings: number; seconds: number; requestsPerSecond: number; findingsPerSecond: number }>;
  grouping: { findings: number; identities: number; windowSeconds: number; notifications: number; afterCloseP50Ms: number; afterCloseP99Ms: number };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function benchNotify({ latencyFindings = 1000, burst = 20_000, groupedFindings = 20_000, identities = 50, windowSeconds = 2 }: { latencyFindings?: number; burst?: number; groupedFindings?: number; identities?: number; windowSeconds?: number } = {}): Promise<NotifyFigures> {
  const arrivals: Record<string, Arrivals> = { webhook: new Map(), alertmanager: new Map(), syslog: new Map() };
  const requests: Record<string, number> = { webhook: 0, alertmanager: 0, syslog: 0 };
  const groups: { id: string; count: number; at: number }[] = [];
  const hook = await httpReceiver((body, at) => {
    const b = body as { id: string; group?: { id: string; count: number } };
    if (b.group !== undefined) {
      groups.push({ id: b.group.id, count: b.group.count, at });
      return;
    }
    requests.webhook = (requests.webhook ?? 0) + 1;
    if (!arrivals.webhook?.has(b.id)) arrivals.webhook?.set(b.id, at);
  });
  const am = await httpReceiver((body, at) => {
    requests.alertmanager = (requests.alertmanager ?? 0) + 1;
    for (const a of body as { labels: { finding_id: string } }[]) if (!arrivals.alertmanager?.has(a.labels.finding_id)) arrivals.alertmanager?.set(a.labels.finding_id, at);
  });
  const syslog = await syslogReceiver((id, at) => {
    requests.syslog = (requests.syslog ?? 0) + 1;
    if (!arrivals.syslog?.has(id)) arrivals.syslog?.set(id, at);
  });
  const file: NotifyFile = {
    outputs: {
      webhook: { type: 'webhook', url: `${hook.url}/each`, template: 'json', timeoutSeconds: 10 },
      alertmanager: { type: 'alertmanager', url: am.url, timeoutSeconds: 10, resolveAfterMinutes: 60 },
      syslog: { type: 'syslog', address: syslog.address, format: 'rfc5424', facility: 'authpriv', appName: 'kaudit', timeoutSeconds: 10 },
      grouped: { type: 'webhook', url: `${hook.url}/grouped`, template: 'json', timeoutSeconds: 10 },
    },
    routes: [
      { name: 'each', match: { clusters: ['bench'] }, outputs: ['webhook', 'alertmanager', 'syslog'] },
      { name: 'digest', match: { clusters: ['bench-grouped'] }, outputs: ['grouped'], group: { windowSeconds } },
    ],
    delivery: { retryForSeconds: 60, firstBackoffMs: 100, maxBackoffMs: 1000 },
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-notify-'));
  const logger = silentLogger();
  const prefix = 'bench.';
  const topics = topicNames(prefix);
  const bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger });
  await bus.start();
  const lifecycle = createLifecycle({ logger, exit: () => undefined });
  await runNotify({ file, bus, topics, prefix, logger, lifecycle });
  const produced = new Map<string, number>();
  const outputs = ['webhook', 'alertmanager', 'syslog'];
  const arrived = (ids: readonly string[]) => outputs.every((o) => ids.every((id) => arrivals[o]?.has(id)));
  const waitAll = async (ids: readonly string[]) => {
    while (!arrived(ids)) await sleep(2);
  };

  // latency: one finding at a time, the next once every output has the last
  for (let i = 0; i < latencyFindings; i++) {
    const id = `lat-${String(i)}`;
    produced.set(id, performance.now());
    await bus.produce(topics.findings, [{ key: messageKey('bench', 'dev'), value: Buffer.from(JSON.stringify(finding(id, 'dev'))) }]);
    await waitAll([id]);
  }
  const latency: NotifyFigures['latency'] = {};
  for (const o of outputs) {
    const ms = [...produced].map(([id, t0]) => (arrivals[o]?.get(id) ?? t0) - t0);
    latency[o] = { findings: ms.length, p50Ms: round(percentile(ms, 50), 2), p99Ms: round(percentile(ms, 99), 2) };
  }

  // throughput: a burst, produced in batches of 1,000
  const before = { ...requests };
  const ids = Array.from({ length: burst }, (_, i) => `burst-${String(i)}`);
  const t0 = performance.now();
  for (let i = 0; i < ids.length; i += 1000) {
    await bus.produce(
      topics.findings,
      ids.slice(i, i + 1000).map((id, j) => ({ key: messageKey('bench', `user-${String((i + j) % 20)}`), value: Buffer.from(JSON.stringify(finding(id, `user-${String((i + j) % 20)}`))) })),
    );
  }
  const throughput: NotifyFigures['throughput'] = {};
  await Promise.all(
    outputs.map(async (o) => {
      while (!ids.every((id) => arrivals[o]?.has(id))) await sleep(5);
      const seconds = (Math.max(...ids.map((id) => arrivals[o]?.get(id) ?? 0)) - t0) / 1000;
      // requests: a webhook POST or a syslog message per finding, an Alertmanager POST per 500
      const notifications = (requests[o] ?? 0) - (before[o] ?? 0);
      throughput[o] = { findings: burst, seconds: round(seconds, 2), requestsPerSecond: Math.round(notifications / seconds), findingsPerSecond: Math.round(burst / seconds) };
    }),
  );

  // grouping: a burst of a few identities' findings through a 2 s window
  const g0 = performance.now();
  for (let i = 0; i < groupedFindings; i += 1000) {
    await bus.produce(
      topics.findings,
      Array.from({ length: Math.min(1000, groupedFindings - i) }, (_, j) => {
        const user = `user-${String((i + j) % identities)}`;
        return { key: messageKey('bench-grouped', user), value: Buffer.from(JSON.stringify({ ...finding(`g-${String(i + j)}`, user), cluster: 'bench-grouped' })) };
      }),
    );
  }
  const absorbedBy = performance.now();
  while (groups.reduce((n, g) => n + g.count, 0) < groupedFindings) await sleep(5);
  // a window closes windowSeconds after its first finding reached notify: at the earliest g0 + window
  const afterClose = groups.map((g) => g.at - (g0 + windowSeconds * 1000));
  await lifecycle.shutdown('bench done');
  await Promise.all([hook.close(), am.close(), syslog.close()]);
  rmSync(dir, { recursive: true, force: true });
  return {
    latency,
    throughput,
    grouping: {
      findings: groupedFindings,
      identities,
      windowSeconds,
      notifications: groups.length,
      afterCloseP50Ms: round(percentile(afterClose, 50)),
      afterCloseP99Ms: round(percentile(afterClose, 99)),
      ...(absorbedBy - g0 > windowSeconds * 1000 ? { note: 'producing took longer than the window' } : {}),
    },
  };
}
