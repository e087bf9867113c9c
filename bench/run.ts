// `npm run bench`: prints comparable figures (JSON lines, one per benchmark). Speed goals live here,
// never in timed tests. Reads ../shared/corpus for realistic event shapes.
import { parseEnv } from '#shared/config';
import { benchEngine } from './engine.js';
import { benchPipelineLatency } from './pipeline-latency.js';

const only = process.argv[2];
const print = (name: string, figures: object) => {
  console.log(JSON.stringify({ bench: name, node: process.version, ...figures }));
};

if (!only || only === 'engine') print('engine', benchEngine());
if (!only || only === 'latency') print('pipeline-latency-embedded', await benchPipelineLatency());
const brokers = parseEnv(process.env).KAFKA_BROKERS;
if (brokers && (!only || only === 'latency')) print('pipeline-latency-kafka', await benchPipelineLatency({ brokers }));
