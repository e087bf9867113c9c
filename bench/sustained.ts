// `npm start` under a steady load, as a separate process: senders post the corpus mix as EventLists of 400
// (kube-apiserver's webhook batch) at a target rate; every second the bench reads the store's /metrics (rows
// stored), the process's RSS and the data directory's size. End to end = webhook 200 → rows queryable.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackEnv } from '../services/standalone/src/loopback.js';
import { corpusEvents, repoRootOf } from './corpus.js';
import { bytesUnder, freePort, percentile, sleep } from './measure.js';

export interface SustainedOptions {
  /** how long the senders send (default 60 s) */
  seconds?: number;
  /** target events/s over all senders; 0 = as fast as the webhook acknowledges (default 10,000) */
  rate?: number;
  senders?: number;
  eventsPerBatch?: number;
  /** node options for the `npm start` process, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] */
  nodeArgs?: string[];
}

const pct = (xs: number[], p: number) => Math.round(percentile(xs, p));

const rssMiB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
};

const clockTicks = 100; // USER_HZ on Linux
/** CPU seconds (user + system) of the whole process and of its main thread, from /proc. */
function cpuSeconds(pid: number): { process: number; main: number } {
  const ticks = (stat: string) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks;
  };
  try {
    return { process: ticks(readFileSync(`/proc/${String(pid)}/stat`, 'utf8')), main: ticks(readFileSync(`/proc/${String(pid)}/task/${String(pid)}/stat`, 'utf8')) };
  } catch {
    return { process: 0, main: 0 };
  }
}

/** Messages a consumer has handled with one of `outcomes`, from the consumer metrics. */
function consumed(metrics: string, component: string, topic: RegExp, outcomes: RegExp): number {
  let n = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('kaudit_consumer_messages_total{') || !line.includes(`component="${component}"`)) continue;
    const t = /topic="([^"]*)"/.exec(line)?.[1] ?? '';
    const o = /outcome="([^"]*)"/.exec(line)?.[1] ?? '';
    if (topic.test(t) && outcomes.test(o)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}
/** Records the store has written (stored or already there). */
const storedRecords = (metrics: string) => consumed(metrics, 'store', /records$/, /^(stored|duplicate)$/);
/** Events the analyzer has analysed. */
const analyzedEvents = (metrics: string) => consumed(metrics, 'analyzer', /events$/, /^analyzed$/);
/** The event loop's longest delay since the previous read (prom-client resets the histogram on each read), ms. */
const loopMaxMs = (metrics: string) => Math.round(Number(/^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1] ?? 0) * 1000);

/**
 * Event templates: the corpus mix, each serialized once with its auditID as a placeholder, so a batch is
 * string concatenation (the sender must not take the cores it measures).
 */
function templates(): string[] {
  return corpusEvents().map((e) => {
    const event = { ...(e as Record<string, unknown>), auditID: '\u0000AID\u0000' };
    return JSON.stringify(event);
  });
}

export async function benchSustained({ seconds = 60, rate = 10_000, senders = 8, eventsPerBatch = 400, nodeArgs = [] }: SustainedOptions = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-sustained-'));
  const ingestToken = { cluster: 'bench', token: 'bench-ingest-token-0123456789' };
  const apiToken = { name: 'bench', role: 'viewer' as const, token: 'bench-api-token-0123456789' };
  const [ingestPort, apiPort] = [await freePort(), await freePort()];
  const env = loopbackEnv({
    dataDir,
    ingestToken,
    apiTokens: [apiToken],
    redactionKey: 'bench-redaction-key-0123456789abcdef',
    env: {
      KAUDIT_INGEST_PORT: String(ingestPort),
      KAUDIT_API_PORT: String(apiPort),
      KAUDIT_API_RATE_LIMIT: '1000000',
      KAUDIT_LOG_LEVEL: 'warn',
      // with KAFKA_BROKERS the same process runs on Kafka, on topics of its own
      ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS, KAUDIT_TOPIC_PREFIX: `bench${String(Date.now())}.` } : {}),
    },
  });
  // the built process (`npm run build`), whether this runs from dist/bench or from source
  const main = path.join(repoRootOf(path.dirname(fileURLToPath(import.meta.url))), 'dist', 'services', 'standalone', 'src', 'main.js');
  const child = spawn(process.execPath, [...nodeArgs, main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const pid = child.pid ?? 0;
  const api = `http://127.0.0.1:${String(apiPort)}`;
  const webhook = `http://127.0.0.1:${String(ingestPort)}/v1/webhook`;
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${String(child.exitCode)}`);
      const ok = await fetch(`${api}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 600) throw new Error('npm start was not ready within 60 s');
      await sleep(100);
    }
    const tpl = templates();
    let next = 0;
    const batchBody = (b: number) => {
      const items: string[] = [];
      for (let j = 0; j < eventsPerBatch; j++) items.push((tpl[next++ % tpl.length] ?? '').replace('\u0000AID\u0000', `s-${String(b)}-${String(j)}`));
      return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${items.join(',')}]}`;
    };

    const t0 = performance.now();
    const cpuAtStart = cpuSeconds(pid);
    const acked: { at: number; through: number }[] = []; // cumulative events acknowledged, in ack order
    let ackedEvents = 0;
    let shed = 0;
    let batchNo = 0;
    const sendUntil = t0 + seconds * 1000;
    const sender = async () => {
      while (performance.now() < sendUntil) {
        const b = batchNo++;
        if (rate > 0) {
          const due = t0 + ((b * eventsPerBatch) / rate) * 1000;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
        }
        const body = batchBody(b);
        for (;;) {
          const res = await fetch(webhook, { method: 'POST', headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' }, body });
          await res.arrayBuffer();
          if (res.status === 200) break;
          if (res.status !== 429 && res.status !== 503) throw new Error(`webhook answered ${String(res.status)}`);
          shed++;
          await sleep(50);
        }
        ackedEvents += eventsPerBatch;
        acked.push({ at: performance.now(), through: ackedEvents });
      }
    };

    // Every second: rows stored, RSS, disk. Every 100 ms: rows stored (for the lag).
    const stored: { at: number; n: number }[] = [];
    const samples: { s: number; acked: number; analyzed: number; stored: number; loopMaxMs: number; rssMiB: number; diskMiB: number }[] = [];
    const loopDelays: number[] = [];
    const run = { sampling: true };
    const sampler = (async () => {
      let lastFull = 0;
      while (run.sampling) {
        const text = await fetch(`${api}/metrics`).then((r) => r.text(), () => '');
        const at = performance.now();
        const n = storedRecords(text);
        stored.push({ at, n });
        const loop = loopMaxMs(text);
        loopDelays.push(loop);
        if (at - lastFull >= 1000) {
          lastFull = at;
          samples.push({ s: Math.round((at - t0) / 1000), acked: ackedEvents, analyzed: analyzedEvents(text), stored: n, loopMaxMs: Math.max(...loopDelays.slice(-10)), rssMiB: rssMiB(pid), diskMiB: Math.round(bytesUnder(dataDir) / 2 ** 20) });
        }
        await sleep(100);
      }
    })();

    await Promise.all(Array.from({ length: senders }, sender));
    const sentMs = performance.now() - t0;
    // Drain: until every acknowledged event is stored (or two minutes pass).
    const drainUntil = performance.now() + 120_000;
    while ((stored.at(-1)?.n ?? 0) < ackedEvents && performance.now() < drainUntil) await sleep(100);
    const cpuAtEnd = cpuSeconds(pid);
    run.sampling = false;
    await sampler;
    const last = stored.at(-1)?.n ?? 0;
    const doneAt = stored.find((s) => s.n >= ackedEvents)?.at;

    // Lag of each batch: from its 200 to the first sample where everything up to it is stored.
    const lags: number[] = [];
    let k = 0;
    for (const a of acked) {
      while (k < stored.length && ((stored[k]?.n ?? 0) < a.through || (stored[k]?.at ?? 0) < a.at)) k++;
      const s = stored[k];
      if (s) lags.push(s.at - a.at);
    }
    const rss = samples.map((s) => s.rssMiB);
    return {
      seconds,
      targetRate: rate,
      senders,
      eventsPerBatch,
      ackedEvents,
      storedEvents: last,
      lost: ackedEvents - Math.min(last, ackedEvents),
      shedResponses: shed,
      ackedEventsPerSec: Math.round(ackedEvents / (sentMs / 1000)),
      endToEndEventsPerSec: doneAt === undefined ? null : Math.round(ackedEvents / ((doneAt - t0) / 1000)),
      drainAfterSendMs: doneAt === undefined ? null : Math.round(doneAt - t0 - sentMs),
      lagP50Ms: pct(lags, 50),
      lagP99Ms: pct(lags, 99),
      eventLoopDelayMaxMs: { p50: pct(loopDelays, 50), p99: pct(loopDelays, 99) },
      rssMiB: { first: rss[0] ?? 0, max: Math.max(0, ...rss), last: rss.at(-1) ?? 0 },
      // from the first batch until everything is stored: what one event costs the machine, and on which thread
      cpuSecondsPerMillionEvents: {
        process: Math.round(((cpuAtEnd.process - cpuAtStart.process) / Math.max(1, last)) * 1e6),
        mainThread: Math.round(((cpuAtEnd.main - cpuAtStart.main) / Math.max(1, last)) * 1e6),
      },
      diskMiBLast: samples.at(-1)?.diskMiB ?? 0,
      samples: samples.filter((_, i) => i % Math.max(1, Math.round(samples.length / 12)) === 0).map((s) => [s.s, s.acked, s.analyzed, s.stored, s.loopMaxMs, s.rssMiB, s.diskMiB]),
      samplesAre: ['s', 'acked', 'analyzed', 'stored', 'loopMaxMs', 'rssMiB', 'diskMiB'],
    };
  } finally {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
