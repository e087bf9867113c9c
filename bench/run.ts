// `npm run bench`: prints comparable figures (JSON lines, one per benchmark). Speed goals live here,
// never in timed tests. Reads ../shared/corpus for realistic event shapes.
import { parseEnv } from '#shared/config';
import { benchConsole } from './console.js';
import { benchDisk, benchStartup } from './disk.js';
import { benchEngine } from './engine.js';
import { benchLake } from './lake.js';
import { benchNotify } from './notify.js';
import { benchOverload } from './overload.js';
import { benchPipelineLatency } from './pipeline-latency.js';
import { benchReplay } from './replay.js';
import { isRawPolicy, rawPolicies } from '../services/replay/src/replay.js';
import { benchSources } from './sources.js';
import { benchStore } from './store.js';
import { benchScaleOut } from './scale-out.js';
import { benchSustained } from './sustained.js';

const only = process.argv[2];
const print = (name: string, figures: object) => {
  console.log(JSON.stringify({ bench: name, node: process.version, ...figures }));
};

if (!only || only === 'engine') print('engine', benchEngine());
if (!only || only === 'latency') print('pipeline-latency-embedded', await benchPipelineLatency());
const brokers = parseEnv(process.env).KAFKA_BROKERS;
if (brokers && (!only || only === 'latency')) print('pipeline-latency-kafka', await benchPipelineLatency({ brokers }));
// `npm run bench -- store [records] [findings] [time|random] [indexes]`: default 10M records / 1M findings.
if (!only || only === 'store') {
  const [records, findings, order, indexes] = process.argv.slice(3);
  const n = records === undefined ? 10_000_000 : Number(records);
  print('store', await benchStore({
    records: n,
    findings: findings === undefined ? Math.max(1, Math.round(n / 10)) : Number(findings),
    order: order === 'random' ? 'random' : 'time',
    indexes: indexes === 'indexes',
  }));
}
// `npm run bench -- console [findings]`: default 1M findings and as many records, pages in Debian's Chromium; only when named.
if (only === 'console') {
  const [n] = process.argv.slice(3);
  print('console', await benchConsole(n === undefined ? {} : { findings: Number(n), records: Number(n) }));
}
// `npm run bench -- replay [events] [all|findings|none]`: default 200k events, every raw event stored.
if (!only || only === 'replay') {
  const [n, raw] = process.argv.slice(3);
  if (raw !== undefined && !isRawPolicy(raw)) throw new Error(`raw policy must be one of ${rawPolicies.join(', ')}`);
  print('replay', await benchReplay({ events: n === undefined ? 200_000 : Number(n), ...(raw === undefined ? {} : { raw }) }));
}
// `npm run bench -- overload [seconds] [connections]`: default 15 s, 256 connections.
if (!only || only === 'overload') {
  const [seconds, connections] = process.argv.slice(3);
  print('overload', await benchOverload({ ...(seconds ? { seconds: Number(seconds) } : {}), ...(connections ? { connections: Number(connections) } : {}) }));
}
// `npm run bench -- disk [seconds] [events per second]`: default 60 s at 1000 events/s.
if (!only || only === 'disk') {
  const [seconds, rate] = process.argv.slice(3);
  print('disk', await benchDisk({ ...(seconds ? { seconds: Number(seconds) } : {}), ...(rate ? { rate: Number(rate) } : {}) }));
}
// `npm run bench -- startup [state updates] [keys]`: default 2M updates of 200k keys.
if (!only || only === 'startup') {
  const [updates, keys] = process.argv.slice(3);
  print('startup', await benchStartup({ ...(updates ? { updates: Number(updates) } : {}), ...(keys ? { keys: Number(keys) } : {}) }));
}
// `npm run bench -- sustained [seconds] [events per second] [senders]`: default 60 s at 10,000 events/s, 8 senders
// (0 events/s: as fast as the webhook acknowledges). KAUDIT_BENCH_NODE_ARGS: node options for npm start's process
// (`--cpu-prof --cpu-prof-dir=/tmp/prof` for a profile).
if (!only || only === 'sustained') {
  const [seconds, rate, senders] = process.argv.slice(3);
  print('sustained', await benchSustained({ ...(seconds ? { seconds: Number(seconds) } : {}), ...(rate ? { rate: Number(rate) } : {}), ...(senders ? { senders: Number(senders) } : {}), nodeArgs: (process.env.KAUDIT_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '') }));
}
// `npm run bench -- sources [events] [batch] [senders]`: default 40,000 events a route (Pub/Sub: 10,000 pushes),
// batches of 400, 4 senders; the EKS source against moto (tools/moto).
if (only === 'sources') {
  const [events, batch, senders] = process.argv.slice(3);
  print('sources', await benchSources({ ...(events ? { events: Number(events) } : {}), ...(batch ? { batch: Number(batch) } : {}), ...(senders ? { concurrency: Number(senders) } : {}) }));
}
// `npm run bench -- notify [latency findings] [burst]`: default 1,000 findings one at a time and a burst of
// 20,000, to a webhook, an Alertmanager endpoint and a syslog listener on this machine; and 20,000 findings of
// 50 identities through a 2 s grouping window.
if (only === 'notify') {
  const [latencyFindings, burst] = process.argv.slice(3);
  print('notify', await benchNotify({ ...(latencyFindings ? { latencyFindings: Number(latencyFindings) } : {}), ...(burst ? { burst: Number(burst) } : {}) }));
}
// `npm run bench -- scaleout [rounds]` (KAFKA_BROKERS): a generated fleet log (default 400 rounds, about
// 200,000 events) through 2 ingest processes into 6 partitions, then 1, 2 and 3 analyzer processes over copies
// of it: events/s and the ratio to one. Only when named.
if (only === 'scaleout') {
  if (!brokers) throw new Error('scaleout needs KAFKA_BROKERS (a broker: tools/kafka-broker/broker.sh start)');
  const [rounds] = process.argv.slice(3);
  print('scaleout', await benchScaleOut({ brokers: brokers.join(','), ...(rounds ? { rounds: Number(rounds) } : {}) }));
}
// `npm run bench -- lake [records] [findings]`: default 10M records and 1M findings over 30 days, all but the
// last 7 days handed to the lake, the API's queries over 30 days before and after. Only when named.
if (only === 'lake') {
  const [records, findings] = process.argv.slice(3);
  print('lake', await benchLake({ ...(records ? { records: Number(records) } : {}), ...(findings ? { findings: Number(findings) } : {}) }));
}
