// Disk and memory of `npm start` over a long stream (embedded bus): what the bus keeps stays flat once its
// retention is reached (consumed segments deleted, events kept by size), while DuckDB holds the records.
// Also what the same messages would have taken in the former format (one JSON line per message, the value
// in base64, never deleted), and how long a large rule state takes to read at start, before and after
// compaction.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allTopics, createEmbeddedBus, topicNames, type OutMessage } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { sampleEvent } from '#shared/samples';
import { startLoopback } from '../services/standalone/src/loopback.js';
import { bytesUnder } from './measure.js';

const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

export interface DiskFigures {
  seconds: number;
  eventsSent: number;
  eventsPerSecond: number;
  segmentMiB: number;
  eventsRetentionMiB: number;
  /** every 5 s: seconds, events sent, bus MiB, DuckDB MiB, RSS MiB */
  samples: [number, number, number, number, number][];
  busMiBAtEnd: number;
  busMiBMaxSecondHalf: number;
  busMiBMaxFirstHalf: number;
  formerFormatMiB: number;
  busBytesPerMillionEventsFormer: number;
  busBytesPerMillionEventsNow: number;
  duckdbBytesPerMillionEvents: number;
}

export async function benchDisk({ seconds = 60, rate = 1000 }: { seconds?: number; rate?: number } = {}): Promise<DiskFigures> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-disk-'));
  const logger = silentLogger();
  const ingestToken = { cluster: 'bench', token: 'bench-ingest-token-0123456789' };
  const segmentBytes = 1024 * 1024;
  const keepBytes = 16 * 1024 * 1024;
  const s = await startLoopback({
    dataDir,
    ingestToken,
    apiTokens: [{ name: 'bench', role: 'viewer', token: 'bench-api-token-0123456789' }],
    redactionKey: 'bench-redaction-key-0123456789abcdef',
    logger,
    clientId: 'bench',
    env: { KAUDIT_BUS_SEGMENT_BYTES: String(segmentBytes), KAUDIT_EVENTS_RETENTION_BYTES: String(keepBytes) },
  });
  // what the former format would have written: one JSON line per message, value in base64
  let former = 0;
  const produce = s.bus.produce.bind(s.bus);
  s.bus.produce = (topic: string, messages: OutMessage[]) => {
    for (const m of messages) former += JSON.stringify({ k: m.key, v: m.value.toString('base64'), ...(m.headers && Object.keys(m.headers).length > 0 ? { h: m.headers } : {}) }).length + 1;
    return produce(topic, messages);
  };
  const url = s.webhookUrl;
  const users = Array.from({ length: 50 }, (_v, i) => `user-${String(i)}@example.com`);
  const batch = 200;
  const started = Date.now();
  const samples: DiskFigures['samples'] = [];
  let sent = 0;
  let nextSample = 5;
  while (Date.now() - started < seconds * 1000) {
    const items = Array.from({ length: batch }, (_v, j) => {
      const n = sent + j;
      return sampleEvent({
        auditID: `disk-${String(n)}`,
        user: { username: users[n % users.length], groups: ['system:authenticated'] },
        stageTimestamp: new Date(Date.now()).toISOString(),
        requestReceivedTimestamp: new Date(Date.now()).toISOString(),
        userAgent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc',
        annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "view"' },
      });
    });
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'EventList', items }) });
    if (res.status !== 200) throw new Error(`webhook answered ${String(res.status)}`);
    sent += batch;
    const elapsed = (Date.now() - started) / 1000;
    // hold the rate
    const ahead = sent / rate - elapsed;
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
    if (elapsed >= nextSample) {
      nextSample += 5;
      const db = readdirSync(dataDir).filter((f) => f.startsWith('kaudit.duckdb')).reduce((n, f) => n + statSync(path.join(dataDir, f)).size, 0);
      samples.push([Math.round(elapsed), sent, mib(bytesUnder(path.join(dataDir, 'bus'))), mib(db), mib(process.memoryUsage().rss)]);
    }
  }
  // let the consumers catch up and the cleanup run
  await new Promise((r) => setTimeout(r, 35_000));
  const busAtEnd = bytesUnder(path.join(dataDir, 'bus'));
  const dbAtEnd = readdirSync(dataDir).filter((f) => f.startsWith('kaudit.duckdb')).reduce((n, f) => n + statSync(path.join(dataDir, f)).size, 0);
  await s.lifecycle.shutdown('bench done');
  rmSync(dataDir, { recursive: true, force: true });
  const half = Math.floor(samples.length / 2);
  return {
    seconds,
    eventsSent: sent,
    eventsPerSecond: Math.round(sent / seconds),
    segmentMiB: mib(segmentBytes),
    eventsRetentionMiB: mib(keepBytes),
    samples,
    busMiBAtEnd: mib(busAtEnd),
    busMiBMaxFirstHalf: Math.max(...samples.slice(0, half).map((x) => x[2])),
    busMiBMaxSecondHalf: Math.max(...samples.slice(half).map((x) => x[2])),
    formerFormatMiB: mib(former),
    busBytesPerMillionEventsFormer: Math.round((former / sent) * 1e6),
    busBytesPerMillionEventsNow: Math.round((busAtEnd / sent) * 1e6),
    duckdbBytesPerMillionEvents: Math.round((dbAtEnd / sent) * 1e6),
  };
}

export interface StartupFigures {
  stateUpdates: number;
  stateKeys: number;
  formerLogMiB: number;
  formerReadMs: number;
  compactedMiB: number;
  compactedReadMs: number;
  compactionMs: number;
}

/** A rule state of `keys` keys written `updates` times: read at start as the former log, then compacted. */
export async function benchStartup({ updates = 2_000_000, keys = 200_000 }: { updates?: number; keys?: number } = {}): Promise<StartupFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-state-'));
  const topics = topicNames('kaudit.');
  const value = (i: number) => JSON.stringify({ members: [`a${String(i)}|ResponseComplete|0123456789abcdef`, `b${String(i)}|ResponseComplete|fedcba9876543210`], first: 1_764_583_200_000 + i });
  // the former state log: one JSON line per update, value in base64
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${topics.state}.log`);
  let lines: string[] = [];
  for (let i = 0; i < updates; i++) {
    lines.push(JSON.stringify({ k: `win:anonymous-scan:c/${String(i % keys)}`, v: Buffer.from(value(i)).toString('base64') }));
    if (lines.length === 50_000) {
      appendFileSync(file, lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) appendFileSync(file, lines.join('\n') + '\n');
  const formerBytes = statSync(file).size;
  const readState = async (policies: Parameters<typeof createEmbeddedBus>[0]['policies']) => {
    const t0 = performance.now();
    const bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger: silentLogger(), ...(policies ? { policies } : {}) });
    await bus.start();
    const state = new Map<string, unknown>();
    for (const m of await bus.readAll(topics.state)) state.set(m.key, JSON.parse(m.value.toString('utf8')));
    return { bus, ms: Math.round(performance.now() - t0), size: state.size };
  };
  const before = await readState(undefined);
  await before.bus.close();
  // compaction: what the bus does in the background once the state topic has closed segments
  const t0 = performance.now();
  const compacting = await readState({ [topics.state]: { kind: 'compacted', isTombstone: (m) => m.value.toString() === 'null' } });
  const topicDir = path.join(dir, topics.state);
  for (;;) {
    const names = readdirSync(topicDir);
    if (names.some((n) => n.endsWith('.seg') && n.startsWith('0'.repeat(20))) && !names.some((n) => n.endsWith('.jsonl') || n.endsWith('.compacting'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const compactionMs = Math.round(performance.now() - t0);
  await compacting.bus.close();
  const after = await readState(undefined);
  await after.bus.close();
  if (after.size !== before.size) throw new Error(`compaction lost keys: ${String(before.size)} → ${String(after.size)}`);
  const compactedBytes = bytesUnder(topicDir);
  rmSync(dir, { recursive: true, force: true });
  return { stateUpdates: updates, stateKeys: keys, formerLogMiB: mib(formerBytes), formerReadMs: before.ms, compactedMiB: mib(compactedBytes), compactedReadMs: after.ms, compactionMs };
}
