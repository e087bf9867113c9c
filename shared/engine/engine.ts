import { severityRank, type AuditEvent, type Envelope, type Finding, type NormalizedRecord } from '#shared/contracts';
import { eventDigest, findingId } from './ids.js';
import { normalize } from './normalize.js';
import { applyRbac } from './rbac/index.js';
import { RbacRegistry } from './rbac/index.js';
import { builtinRules, type Rule } from './rules/index.js';
import { defaultRuleSettings, type RuleMatch, type RuleSettings } from './rules/types.js';
import { RuleState } from './state/index.js';
import { createRedactor, type Redactor } from './redact.js';

export interface Analysis {
  record: NormalizedRecord;
  findings: Finding[];
  /** The event with its credential material redacted: what may be stored or published. */
  event: AuditEvent;
}

/** A rule threw on an event: the event is a poison message for that rule (the analyzer dead-letters it). */
export class RuleFailure extends Error {
  override name = 'RuleFailure';
  readonly ruleId: string;
  constructor(ruleId: string, cause: unknown) {
    super(`rule ${ruleId} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.ruleId = ruleId;
  }
}

export interface Engine {
  readonly rules: readonly Rule[];
  readonly rbac: RbacRegistry;
  readonly state: RuleState;
  analyze(envelope: Envelope): Analysis;
}

/** Requests the volatile memory remembers (audit-id-reused): at 1,000 events/s, the last few minutes. */
export const requestMemoryCapacity = 300_000;

/** One engine per analyzer or replay: it holds per-cluster state (the RBAC model). */
export function createEngine({
  rules = builtinRules,
  rbac = new RbacRegistry(),
  settings = defaultRuleSettings,
  state = new RuleState(),
  memory = new RuleState(requestMemoryCapacity),
  redact = createRedactor(),
}: { rules?: readonly Rule[]; rbac?: RbacRegistry; settings?: RuleSettings; state?: RuleState; memory?: RuleState; redact?: Redactor } = {}): Engine {
  return {
    rules,
    rbac,
    state,
    analyze(envelope) {
      // Rules see the redacted event too, so no credential can reach a record, a finding or its evidence.
      const event = redact(envelope.event);
      const redacted = event === envelope.event ? envelope : { ...envelope, event };
      // the digest of the event as received (ingest's, when the envelope carries it), so it does not depend on the redaction key
      const record = applyRbac(rbac, normalize(redacted, envelope.eventDigest ?? eventDigest(envelope.event)), event);
      const findings: Finding[] = [];
      for (const rule of rules) {
        let match;
        try {
          match = rule.evaluate({ record, event, settings, state, memory });
        } catch (err) {
          throw new RuleFailure(rule.id, err);
        }
        if (match) findings.push(toFinding(inContext(rule, match), record, event, match.summary, match.evidence));
      }
      return { record, findings, event };
    },
  };
}

/** The rule as its match's context rates it: its (tuned) severity, raised or lowered by the match. */
function inContext(rule: Rule, match: RuleMatch): Rule {
  let severity = rule.severity;
  if (match.raise !== undefined && severityRank(match.raise) > severityRank(severity)) severity = match.raise;
  if (match.lower !== undefined && severityRank(match.lower) < severityRank(severity)) severity = match.lower;
  return severity === rule.severity ? rule : { ...rule, severity };
}

function toFinding(rule: Rule, r: NormalizedRecord, event: AuditEvent, summary: string, evidence: Record<string, unknown>): Finding {
  return {
    id: findingId(rule.id, r.cluster, r.auditId, event),
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    category: rule.category,
    mitre: rule.mitre,
    cluster: r.cluster,
    auditId: r.auditId,
    stage: r.stage,
    eventTime: r.eventTime,
    user: r.user,
    groups: r.groups,
    sourceIps: r.sourceIps,
    userAgent: r.userAgent,
    verb: r.verb,
    apiGroup: r.apiGroup,
    resource: r.resource,
    subresource: r.subresource,
    namespace: r.namespace,
    name: r.name,
    decision: r.decision,
    responseCode: r.responseCode,
    summary,
    evidence,
  };
}
