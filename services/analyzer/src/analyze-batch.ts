import type { Engine } from '#shared/engine';
import { bufferList, pack, unpacked, type Packed } from '#shared/threads';
import { createProcessMessage } from './process-message.js';

// One batch of the `events` topic through the engine: message values in, the outputs' JSON bytes out. The
// same function runs in the analysis thread and, for an engine built in code (tests), on the caller's
// thread. Outputs are packed into one buffer per kind so a thread hands them over without copying.

export interface BatchAnalysis {
  /** one record per analysed message; `from[i]` is the index of the message it came from */
  records: Packed & { from: number[] };
  findings: Packed & { from: number[]; rule: string[]; severity: string[] };
  dlq: { index: number; step: string; reason: string }[];
  /** stateful rules' changes during the batch (value `null` deletes the key) */
  state: Packed & { keys: string[] };
}

/** The buffers a BatchAnalysis holds, for a thread's transfer list. */
export const transferables = (a: BatchAnalysis): ArrayBuffer[] => bufferList(a.records, a.findings, a.state);

export function createBatchAnalysis(engine: Engine): (input: Packed) => BatchAnalysis {
  const processMessage = createProcessMessage({ engine });
  return (input) => {
    const records: string[] = [];
    const recordFrom: number[] = [];
    const findings: string[] = [];
    const findingFrom: number[] = [];
    const rule: string[] = [];
    const severity: string[] = [];
    const dlq: BatchAnalysis['dlq'] = [];
    for (let index = 0; index < input.ends.length; index++) {
      const result = processMessage({ value: unpacked(input, index) });
      if (result.kind === 'dlq') {
        dlq.push({ index, step: result.step, reason: result.reason });
        continue;
      }
      records.push(JSON.stringify(result.record));
      recordFrom.push(index);
      for (const f of result.findings) {
        findings.push(JSON.stringify(f));
        findingFrom.push(index);
        rule.push(f.ruleId);
        severity.push(f.severity);
      }
    }
    const changes = engine.state.drain();
    return {
      records: { ...pack(records), from: recordFrom },
      findings: { ...pack(findings), from: findingFrom, rule, severity },
      dlq,
      state: { ...pack(changes.map((c) => JSON.stringify(c.value))), keys: changes.map((c) => c.key) },
    };
  };
}

/** Restores stateful rules' state from the state topic's latest values; unreadable entries are skipped. */
export function restoreState(engine: Engine, keys: readonly string[], values: Packed): { restored: number; skipped: string[]; size: number } {
  let restored = 0;
  const skipped: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] ?? '';
    try {
      engine.state.restore(key, JSON.parse(unpacked(values, i).toString('utf8')) as unknown);
      restored++;
    } catch {
      skipped.push(key);
    }
  }
  return { restored, skipped, size: engine.state.size };
}
