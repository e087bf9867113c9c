import { envelopeParser, type Finding, type RecordMessage } from '#shared/contracts';
import type { InMessage } from '#shared/bus';
import { RuleFailure, type Engine } from '#shared/engine';
import { errorMessage } from '#shared/errors';

// One pipeline step per event: a value, never an exception, for anything wrong with the message itself.
export type StepResult =
  | { kind: 'ok'; record: RecordMessage; findings: Finding[] }
  | { kind: 'dlq'; step: string; reason: string };

export function createProcessMessage({ engine }: { engine: Engine }) {
  return function processMessage(message: InMessage): StepResult {
    let json: unknown;
    try {
      json = JSON.parse(message.value.toString('utf8'));
    } catch (err) {
      return { kind: 'dlq', step: 'analyzer-parse', reason: `not JSON: ${errorMessage(err)}` };
    }
    let envelope;
    try {
      envelope = envelopeParser.safeParse(json);
    } catch (err) {
      // e.g. nesting deep enough to exhaust the stack (ingest rejects such events; other producers may not)
      return { kind: 'dlq', step: 'analyzer-parse', reason: `not an event envelope: ${errorMessage(err)}` };
    }
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      return {
        kind: 'dlq',
        step: 'analyzer-parse',
        reason: `not an event envelope: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      };
    }
    try {
      const { record, findings, event } = engine.analyze(envelope.data);
      return { kind: 'ok', record: { record, event }, findings };
    } catch (err) {
      // A poison message (valid JSON that crashes a rule) must not stall the partition.
      if (err instanceof RuleFailure) return { kind: 'dlq', step: `analyzer-rule:${err.ruleId}`, reason: err.message };
      return { kind: 'dlq', step: 'analyzer-analyze', reason: `analysis failed: ${errorMessage(err)}` };
    }
  };
}
