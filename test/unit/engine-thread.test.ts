// The analyzer's engine on a thread of its own gives byte for byte what the same engine gives on the
// caller's thread, says which file it could not load, and restores rule state as the state topic holds it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFromFiles, EngineFileError } from '#shared/engine';
import { silentLogger } from '#shared/logging';
import { corpusNativeEvents, envelopeOf } from '#shared/testing';
import { packValues, unpacked, type Packed } from '#shared/threads';
import type { BatchAnalysis } from '../../services/analyzer/src/analyze-batch.js';
import { engineOnThisThread, startEngineThread, type EngineRunner } from '../../services/analyzer/src/engine-thread.js';

const noState = () => Promise.resolve({ partitions: [], keys: [], values: packValues([]) });
const running: EngineRunner[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

function corpusValues(): Buffer[] {
  const values: Buffer[] = [];
  for (const [i, event] of corpusNativeEvents().entries()) {
    try {
      values.push(Buffer.from(JSON.stringify({ ...envelopeOf(event), eventDigest: i.toString(16).padStart(32, '0') })));
    } catch {
      // an event the schema refuses is the DLQ tests' business
    }
  }
  return [...values, Buffer.from('{"not": "an envelope"}'), Buffer.from('{nope')];
}

const texts = (p: Packed) => p.ends.map((_, i) => unpacked(p, i).toString('utf8'));
const comparable = (a: BatchAnalysis) => ({
  records: texts(a.records),
  recordFrom: a.records.from,
  findings: texts(a.findings),
  findingFrom: a.findings.from,
  rules: a.findings.rule,
  dlq: a.dlq,
  state: a.state.keys.map((k, i) => [k, unpacked(a.state, i).toString('utf8')]),
});

describe('the engine on its own thread', () => {
  it('analyses the corpus exactly as the engine on this thread does, batch after batch', async () => {
    const redactionKey = randomBytes(32);
    const thread = await startEngineThread({ files: { redactionKey, paced: true }, state: noState, logger: silentLogger() });
    running.push(thread);
    // as on a bus of several partitions, where the rules about a whole log run on ingest's pace copies
    const here = engineOnThisThread((await engineFromFiles({ redactionKey, paced: true })).engine);
    const values = corpusValues();
    expect(values.length).toBeGreaterThan(100);
    // two batches: the second meets the state the first left (stateful rules)
    for (const batch of [values.slice(0, 60), values.slice(60)]) {
      const [there, local] = await Promise.all([thread.analyze(3, packValues(batch)), here.analyze(3, packValues(batch))]);
      expect(comparable(there)).toEqual(comparable(local));
      expect(there.records.from.length + there.dlq.length).toBe(batch.length);
    }
    expect(thread.loaded.rules).toBeGreaterThan(30);
  });

  it('refuses to start on a rules file it cannot load, naming the setting and the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-engine-thread-'));
    const rulesFile = path.join(dir, 'rules.yaml');
    writeFileSync(rulesFile, 'rules:\n  no-such-rule:\n    enabled: false\n');
    const err = await startEngineThread({ files: { rulesFile }, state: noState, logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineFileError);
    expect((err as EngineFileError).setting).toBe('rulesFile');
    expect((err as EngineFileError).file).toBe(rulesFile);
    expect((err as EngineFileError).reason).toMatch(/no-such-rule/);
  });

  it('restores the owned partitions’ entries of the state topic, skipping the unreadable ones', async () => {
    const thread = await startEngineThread({ files: {}, state: noState, logger: silentLogger() });
    running.push(thread);
    // p1 is not owned; `d`, of a version without partitions, goes to every owned partition
    const keys = ['p0|a', 'p0|b', 'p1|c', 'd', 'p2|e'];
    const values = packValues(['{"n":1}', '{nope', '{"n":2}', '{"n":3}', 'null'].map((v) => Buffer.from(v)));
    expect(await thread.restore({ partitions: [0, 2], keys, values })).toEqual({ restored: 3, skipped: ['p0|b'], size: 3 });
    // a partition no longer owned is forgotten
    expect(await thread.restore({ partitions: [2], keys, values })).toEqual({ restored: 2, skipped: [], size: 1 });
  });
});
