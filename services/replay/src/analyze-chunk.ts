import type { Engine } from '#shared/engine';
import { findingLine, recordLine } from '#shared/storage';
import { bufferList, pack, unpacked, type Packed } from '#shared/threads';

// Replay's step of the engine: a chunk of events, in event-time order, to the staged lines of their records
// and findings. Runs on replay's engine thread, or on the caller's for an engine built from a tuning object.

/** Which raw events are stored beside their records: all, those with a finding, or none. */
export const rawPolicies = ['all', 'findings', 'none'] as const;
export type RawPolicy = (typeof rawPolicies)[number];

export interface ChunkInput {
  /** each event's JSON text: the line as read when the line was just this event (then it is the raw event) */
  texts: Packed;
  /** each event's envelope, but for the event */
  envelopes: { cluster: string; receivedAt: string; tls: boolean }[];
}

export interface ChunkOutput {
  /** staged `records` lines (recordLine), one per event */
  records: Packed;
  /** staged `findings` lines (findingLine) */
  findings: Packed;
  rule: string[];
  severity: string[];
}

export const chunkTransferables = (o: ChunkOutput): ArrayBuffer[] => bufferList(o.records, o.findings);

export function createChunkAnalysis(engine: Engine, raw: RawPolicy): (input: ChunkInput) => ChunkOutput {
  return ({ texts, envelopes }) => {
    const records: string[] = [];
    const findings: string[] = [];
    const rule: string[] = [];
    const severity: string[] = [];
    for (const [i, envelope] of envelopes.entries()) {
      const text = unpacked(texts, i).toString('utf8');
      // validated as this very text before it was sent
      const event = JSON.parse(text) as Parameters<Engine['analyze']>[0]['event'];
      const analysis = engine.analyze({ ...envelope, transport: { tls: envelope.tls }, event });
      const keep = raw === 'all' || (raw === 'findings' && analysis.findings.length > 0);
      // the text stands for the raw event unless redaction changed the event
      const rawText = keep && analysis.event === event ? text : undefined;
      records.push(recordLine({ record: analysis.record, event: keep ? analysis.event : null }, rawText));
      for (const f of analysis.findings) {
        findings.push(findingLine(f));
        rule.push(f.ruleId);
        severity.push(f.severity);
      }
    }
    return { records: pack(records), findings: pack(findings), rule, severity };
  };
}
