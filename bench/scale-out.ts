// Analyzers scaled out on a real Kafka broker: the services' built entry points as processes (2 ingest, 1 to
// 3 analyzers) over topics of several partitions. The integration test (test/integration/scale-out-kafka)
// uses the same pieces to compare findings; `npm run bench -- scaleout` measures events/s per count.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allTopics, createKafkaBus, topicNames, type Bus, type InMessage, type Topics } from '#shared/bus';
import type { Finding, RecordMessage } from '#shared/contracts';
import { silentLogger } from '#shared/logging';
import { eventList, fleetSnapshot, fleetStream } from '#shared/testing';
import { freePort, sleep } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** the repository (this file runs from bench/ in tests and from dist/bench as a benchmark) */
const repo = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
/** the built entry point of a service, as `npm run build` makes it */
const mainOf = (service: string) => path.join(repo, 'dist', 'services', service, 'src', 'main.js');

export const fleetCluster = 'fleet';
export const fleetToken = 'fleet-ingest-token-0123456789abcdef';
const redactionKey = 'scale-out-redaction-key-0123456789abcdef';

export interface Fleet {
  brokers: string;
  partitions: number;
  /** the processes started, to stop */
  children: ChildProcess[];
  /** a bus for reading and writing the topics directly */
  bus: Bus;
  snapshotFile: string;
  stop(): Promise<void>;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Topics under each prefix, `partitions` partitions each, and the RBAC snapshot the analyzers load. */
export async function startFleet({ brokers, partitions, prefixes }: { brokers: string; partitions: number; prefixes: string[] }): Promise<Fleet> {
  const topics = prefixes.flatMap((p) => allTopics(topicNames(p)));
  const bus = createKafkaBus({ brokers: brokers.split(','), clientId: `scale-out-${String(process.pid)}`, topics, partitions, compactedTopics: prefixes.map((p) => topicNames(p).state), logger: silentLogger() });
  await bus.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-scale-out-'));
  const snapshotFile = path.join(dir, 'rbac.json');
  writeFileSync(snapshotFile, JSON.stringify(fleetSnapshot()));
  // taken before the generated log begins: the changes the log shows come after it
  const taken = new Date('2026-11-01T00:00:00Z');
  utimesSync(snapshotFile, taken, taken);
  const children: ChildProcess[] = [];
  return {
    brokers,
    partitions,
    children,
    bus,
    snapshotFile,
    async stop() {
      for (const c of children) c.kill('SIGKILL');
      await bus.close();
    },
  };
}

async function startService(fleet: Fleet, service: 'ingest' | 'analyzer', prefix: string, own: Record<string, string>, portVar: string): Promise<{ child: ChildProcess; port: number }> {
  const p = await freePort();
  const env = {
    PATH: process.env.PATH,
    KAFKA_BROKERS: fleet.brokers,
    KAUDIT_TOPIC_PREFIX: prefix,
    KAUDIT_TOPIC_PARTITIONS: String(fleet.partitions),
    KAUDIT_LOG_LEVEL: 'warn',
    KAUDIT_REDACTION_KEY: redactionKey,
    [portVar]: String(p),
    ...own,
  };
  const child = spawn(process.execPath, [mainOf(service)], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  fleet.children.push(child);
  await until(
    `${service} ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${String(child.exitCode)}`);
      return (await fetch(`http://127.0.0.1:${String(p)}/readyz`)).status === 200;
    },
    60_000,
  );
  return { child, port: p };
}

export const startIngest = async (fleet: Fleet, prefix: string) =>
  (await startService(fleet, 'ingest', prefix, { KAUDIT_INGEST_TOKENS: `${fleetCluster}=${fleetToken}`, KAUDIT_ALLOW_PLAINTEXT: 'true' }, 'KAUDIT_INGEST_PORT')).port;

export const startAnalyzer = (fleet: Fleet, prefix: string) => startService(fleet, 'analyzer', prefix, { KAUDIT_RBAC_SNAPSHOT: fleet.snapshotFile }, 'KAUDIT_ANALYZER_PORT');

/**
 * Posts the events in EventLists of `batch` to the ingest ports in turn, one after the other (the order the
 * log has), or with `concurrent`, every port sending at once (as several kube-apiservers behind one Service).
 * Returns how many events ingest accepted.
 */
export async function postAll(ports: readonly number[], events: readonly unknown[], { batch = 400, concurrent = false }: { batch?: number; concurrent?: boolean } = {}): Promise<number> {
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += batch) bodies.push(JSON.stringify(eventList(events.slice(i, i + batch))));
  let next = 0;
  let accepted = 0;
  const send = async (p: number, body: string) => {
    const res = await fetch(`http://127.0.0.1:${String(p)}/v1/webhook`, { method: 'POST', body, headers: { authorization: `Bearer ${fleetToken}`, 'content-type': 'application/json' } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`ingest answered ${String(res.status)}: ${text}`);
    accepted += (JSON.parse(text) as { accepted: number }).accepted;
  };
  if (!concurrent) {
    for (const [i, body] of bodies.entries()) await send(ports[i % ports.length] as number, body);
    return accepted;
  }
  await Promise.all(
    ports.map(async (p) => {
      while (next < bodies.length) await send(p, bodies[next++] as string);
    }),
  );
  return accepted;
}

/** Messages of an events topic written again under other prefixes, each on its partition, in order (the same content for each run). */
export async function copyEvents(bus: Bus, messages: readonly InMessage[], to: readonly Topics[]): Promise<void> {
  for (const t of to) {
    for (let i = 0; i < messages.length; i += 2000) {
      await bus.produce(
        t.events,
        messages.slice(i, i + 2000).map((m) => ({ key: m.key, value: m.value, partition: m.partition })),
      );
    }
  }
}

export interface Outcome {
  /**
   * finding id → the finding's JSON, the first on the topic (as the store keeps it: an event that appears
   * twice in a log, as two corpus events do, gives the same id)
   */
  findings: Map<string, string>;
  /** `<auditID> <stage> <digest>` → its record's RBAC verdict and binding */
  verdicts: Map<string, string>;
  /** messages on the records topic (more than the records when a batch was analysed again) */
  recordMessages: number;
  /** a record key met twice with different verdicts */
  conflicts: string[];
}

export async function outcomeOf(bus: Bus, topics: Topics): Promise<Outcome> {
  const conflicts: string[] = [];
  const findings = new Map<string, string>();
  for (const m of await bus.readAll(topics.findings)) {
    const f = JSON.parse(m.value.toString('utf8')) as Finding;
    if (!findings.has(f.id)) findings.set(f.id, JSON.stringify(f));
  }
  const verdicts = new Map<string, string>();
  const records = await bus.readAll(topics.records);
  for (const m of records) {
    const { record: r } = JSON.parse(m.value.toString('utf8')) as RecordMessage;
    const key = `${r.auditId} ${r.stage} ${r.eventDigest}`;
    const v = `${String(r.rbacVerdict)} ${String(r.rbacVerdictBinding)} ${String(r.rbacVerdictNote)}`;
    if (verdicts.has(key) && verdicts.get(key) !== v) conflicts.push(key);
    verdicts.set(key, v);
  }
  return { findings, verdicts, recordMessages: records.length, conflicts };
}

/** Events the analyzers of a prefix have analysed, from their /metrics (copies are not counted). */
export async function analysed(ports: readonly number[]): Promise<number> {
  let n = 0;
  for (const p of ports) {
    const text = await (await fetch(`http://127.0.0.1:${String(p)}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('kaudit_consumer_messages_total{') && line.includes('component="analyzer"') && line.includes('outcome="analyzed"')) n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

/**
 * `npm run bench -- scaleout [rounds]` (KAFKA_BROKERS): a generated fleet log through 2 ingest processes into
 * 6 partitions, copied for each run, then 1, 2 and 3 analyzer processes over their copy, one run after the
 * other: events/s from the moment all are ready until every event is analysed, and the ratio to one.
 */
export async function benchScaleOut({ brokers, rounds = 400, partitions = 6 }: { brokers: string; rounds?: number; partitions?: number }) {
  const base = `bench-so-${String(Date.now())}`;
  const prefixes = [1, 2, 3].map((n) => `${base}.n${String(n)}.`);
  const fleet = await startFleet({ brokers, partitions, prefixes });
  try {
    const events = fleetStream({ rounds, readsPerRound: 500, developers: 200 });
    const ingests = [await startIngest(fleet, prefixes[0] as string), await startIngest(fleet, prefixes[0] as string)];
    const postStarted = Date.now();
    const accepted = await postAll(ingests, events, { concurrent: true });
    const postSeconds = (Date.now() - postStarted) / 1000;
    for (const c of fleet.children.splice(0)) c.kill('SIGTERM');
    const written = await fleet.bus.readAll(topicNames(prefixes[0] as string).events);
    await copyEvents(fleet.bus, written, prefixes.slice(1).map((p) => topicNames(p)));
    const messages = written.length;
    const runs: { analyzers: number; eventsPerSecond: number; seconds: number }[] = [];
    for (const [i, prefix] of prefixes.entries()) {
      const n = i + 1;
      const started = await Promise.all(Array.from({ length: n }, () => startAnalyzer(fleet, prefix)));
      const t0 = Date.now();
      await until('every event analysed', async () => (await analysed(started.map((s) => s.port))) >= accepted, 1_800_000);
      const seconds = (Date.now() - t0) / 1000;
      runs.push({ analyzers: n, eventsPerSecond: Math.round(accepted / seconds), seconds: Math.round(seconds * 10) / 10 });
      for (const s of started) s.child.kill('SIGTERM');
      await sleep(1000);
    }
    const one = runs[0]?.eventsPerSecond ?? 1;
    return {
      events: accepted,
      eventsTopicMessages: messages,
      copies: messages - accepted,
      partitions,
      ingestEventsPerSecond: Math.round(accepted / postSeconds),
      runs: runs.map((r) => ({ ...r, ratio: Math.round((r.eventsPerSecond / one) * 100) / 100 })),
      cores: os.cpus().length,
    };
  } finally {
    await fleet.stop();
  }
}
