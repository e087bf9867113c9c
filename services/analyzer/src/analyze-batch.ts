import type { Engine, LearntChange } from '#shared/engine';
import type { Restored } from './engine-thread.js';
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

/**
 * One partition's analysis. State keys are the partition's (`p<partition>|<key>`), the rules' state and the
 * RBAC changes learnt (`p<partition>|rbac|…`, shared-state.ts).
 */
export function createBatchAnalysis(engine: Engine, partition: number): (input: Packed) => BatchAnalysis {
  const processMessage = createProcessMessage({ engine });
  const prefix = partitionPrefix(partition);
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
      // a copy's record is its original's, published where the original is analysed
      if (!result.copy) {
        records.push(JSON.stringify(result.record));
        recordFrom.push(index);
      }
      for (const f of result.findings) {
        findings.push(JSON.stringify(f));
        findingFrom.push(index);
        rule.push(f.ruleId);
        severity.push(f.severity);
      }
    }
    const changes = [
      ...engine.state.drain().map((c) => ({ key: prefix + c.key, value: JSON.stringify(c.value) })),
      ...engine.rbac.drain().map((c) => ({ key: `${prefix}${rbacKey(c)}`, value: JSON.stringify(c) })),
    ];
    return {
      records: { ...pack(records), from: recordFrom },
      findings: { ...pack(findings), from: findingFrom, rule, severity },
      dlq,
      state: { ...pack(changes.map((c) => c.value)), keys: changes.map((c) => c.key) },
    };
  };
}

export const partitionPrefix = (partition: number): string => `p${String(partition)}|`;
const rbacKey = (c: LearntChange) => `rbac|${c.cluster}|${c.kind}|${c.namespace}|${c.name}`;

/** The partition a state key belongs to and the key within it; undefined for a key of an earlier version (no partition). */
export function partitionOfKey(key: string): { partition: number; key: string } | undefined {
  const m = /^p(\d+)\|/.exec(key);
  return m ? { partition: Number(m[1]), key: key.slice(m[0].length) } : undefined;
}

export interface PartitionedAnalysis {
  analyze(partition: number, input: Packed): BatchAnalysis;
  /**
   * Starts the partitions afresh from the state topic's latest entries, and forgets every other one: their
   * engines, forked from `engine`, take the rule state and the RBAC changes stored under their prefix (an
   * entry without one, from an earlier version, goes to every partition). Unreadable entries are skipped.
   */
  restore(partitions: readonly number[], keys: readonly string[], values: Packed): Restored;
}

/**
 * Each partition analysed by an engine of its own (shared-state.ts), forked from `engine` on first use. The
 * memory of requests (a window of the most recent) is shared out over the topic's `partitions`, so the
 * deployment remembers as many requests as one engine would, whatever the number of analyzers.
 */
export function createPartitionedAnalysis(engine: Engine, partitions = 1): PartitionedAnalysis {
  const parts = new Map<number, { engine: Engine; analyse: (input: Packed) => BatchAnalysis }>();
  const fresh = (partition: number) => {
    const forked = engine.fork({ memoryShare: 1 / Math.max(1, partitions) });
    const part = { engine: forked, analyse: createBatchAnalysis(forked, partition) };
    parts.set(partition, part);
    return part;
  };
  return {
    analyze: (partition, input) => (parts.get(partition) ?? fresh(partition)).analyse(input),
    restore(partitions, keys, values) {
      parts.clear();
      for (const p of partitions) fresh(p);
      let restored = 0;
      const skipped: string[] = [];
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] ?? '';
        const owned = partitionOfKey(key);
        const targets = owned === undefined ? [...parts.values()].map((part) => ({ part, key })) : [{ part: parts.get(owned.partition), key: owned.key }];
        if (targets.every((t) => t.part === undefined)) continue;
        try {
          const value = JSON.parse(unpacked(values, i).toString('utf8')) as unknown;
          for (const { part, key: k } of targets) {
            if (part === undefined) continue;
            if (k.startsWith('rbac|')) part.engine.rbac.restore(value as LearntChange);
            else part.engine.state.restore(k, value);
          }
          restored++;
        } catch {
          skipped.push(key);
        }
      }
      let size = 0;
      for (const part of parts.values()) size += part.engine.state.size;
      return { restored, skipped, size };
    },
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
