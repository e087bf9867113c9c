import { decodeJson, envelopeParser, type Finding, type RecordMessage } from '#shared/contracts';
import type { InMessage, StepResult as BusStepResult } from '#shared/bus';
import { RuleFailure, type Engine } from '#shared/engine';
import { errorMessage } from '#shared/errors';

// One pipeline step per event: a value, never an exception, for anything wrong with the message itself.
/** `copy`: the message was a copy (shared-state.ts), whose record is not published */
export type StepResult = BusStepResult<{ record: RecordMessage; findings: Finding[]; copy: boolean }>;

export function createProcessMessage({ engine }: { engine: Engine }) {
  return function processMessage(message: Pick<InMessage, 'value'>): StepResult {
    const envelope = decodeJson(envelopeParser, message.value, 'an event envelope');
    if (!envelope.ok) return { kind: 'dlq', step: 'analyzer-parse', reason: envelope.reason };
    try {
      const { record, findings, event, copy } = engine.analyze(envelope.value);
      return { kind: 'ok', record: { record, event }, findings, copy };
    } catch (err) {
      // A poison message (valid JSON that crashes a rule) must not stall the partition.
      if (err instanceof RuleFailure) return { kind: 'dlq', step: `analyzer-rule:${err.ruleId}`, reason: err.message };
      return { kind: 'dlq', step: 'analyzer-analyze', reason: `analysis failed: ${errorMessage(err)}` };
    }
  };
}
