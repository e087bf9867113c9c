// Engine throughput: normalize + every rule over the corpus mix, on this one thread (one core),
// next to a bare JSON.parse of the same events for scale.
import { envelopeSchema } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { corpusEnvelopes } from './corpus.js';

export interface EngineFigures {
  events: number;
  analyzeEventsPerSec: number;
  parseValidateAnalyzeEventsPerSec: number;
  jsonParseEventsPerSec: number;
}

function rate(n: number, fn: () => void, minMs = 2000): number {
  fn(); // warm-up
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    done += n;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return Math.round(done / (elapsed / 1000));
}

export function benchEngine(): EngineFigures {
  const envelopes = corpusEnvelopes();
  const json = envelopes.map((e) => JSON.stringify(e));
  const engine = createEngine();
  let sink = 0;
  const analyze = rate(envelopes.length, () => {
    for (const e of envelopes) sink += engine.analyze(e).findings.length;
  });
  const full = rate(json.length, () => {
    for (const s of json) sink += engine.analyze(envelopeSchema.parse(JSON.parse(s))).findings.length;
  });
  const parse = rate(json.length, () => {
    for (const s of json) sink += (JSON.parse(s) as { cluster: string }).cluster.length;
  });
  if (sink < 0) console.log(sink);
  return { events: envelopes.length, analyzeEventsPerSec: analyze, parseValidateAnalyzeEventsPerSec: full, jsonParseEventsPerSec: parse };
}
