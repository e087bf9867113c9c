import { severityRank, type AuditEvent, type Envelope, type Finding, type NormalizedRecord } from '#shared/contracts';
import { eventDigest, findingId } from './ids.js';
import { normalize } from './normalize.js';
import { applyRbac } from './rbac/index.js';
import { RbacRegistry } from './rbac/index.js';
import { builtinRules, type Rule } from './rules/index.js';
import { defaultRuleSettings, type RuleContext, type RuleMatch, type RuleSettings } from './rules/types.js';
import { RuleState } from './state/index.js';
import { createRedactor, type Redactor } from './redact.js';

export interface Analysis {
  record: NormalizedRecord;
  findings: Finding[];
  /** The event with its credential material redacted: what may be stored or published. */
  event: AuditEvent;
  /**
   * The envelope was a copy (shared-state.ts): its record is the original's, published where the original is
   * analysed; a copy gives only the findings of the rules it is for (a pace copy's `stream` rules).
   */
  copy: boolean;
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
  readonly memory: RuleState;
  analyze(envelope: Envelope): Analysis;
  /**
   * A new engine with the same rules, settings, redaction and RBAC snapshot, and state of its own: the
   * analyzer keeps one per partition (shared-state.ts). `memoryShare`: its memory holds this share of this
   * engine's (one partition's share of the requests).
   */
  fork(options?: { memoryShare?: number }): Engine;
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
  paced = false,
}: {
  rules?: readonly Rule[];
  rbac?: RbacRegistry;
  settings?: RuleSettings;
  state?: RuleState;
  memory?: RuleState;
  redact?: Redactor;
  /**
   * The events come from the bus, where ingest writes pace copies: `stream` rules run on those (once per
   * cluster, on its partition) and not on each event. Off (replay, tests): they run on every event.
   */
  paced?: boolean;
} = {}): Engine {
  const scoped = (scope: string) => rules.filter((r) => (r.scope ?? 'identity') === scope);
  const clusterRules = scoped('cluster');
  const streamRules = scoped('stream');
  const eventRules = paced ? rules.filter((r) => r.scope !== 'stream') : rules;
  const run = (rule: Rule, ctx: RuleContext) => {
    try {
      return rule.evaluate(ctx);
    } catch (err) {
      throw new RuleFailure(rule.id, err);
    }
  };
  return {
    rules,
    rbac,
    state,
    memory,
    analyze(envelope) {
      // Rules see the redacted event too, so no credential can reach a record, a finding or its evidence.
      const event = redact(envelope.event);
      const redacted = event === envelope.event ? envelope : { ...envelope, event };
      // the digest of the event as received (ingest's, when the envelope carries it), so it does not depend on the redaction key
      const normalized = normalize(redacted, envelope.eventDigest ?? eventDigest(envelope.event));
      const copy = envelope.copy;
      if (copy?.of === 'state') {
        // the original is analysed on its own partition: here the copy only teaches this partition's state
        rbac.learn(normalized.cluster, event, Date.parse(normalized.eventTime));
        for (const rule of clusterRules) run(rule, { record: normalized, event, settings, state, memory });
        return { record: normalized, findings: [], event, copy: true };
      }
      const findings: Finding[] = [];
      const evaluate = (rule: Rule, ctx: RuleContext) => {
        const match = run(rule, ctx);
        if (match) findings.push(toFinding(inContext(rule, match), ctx.record, event, match.summary, match.evidence));
      };
      if (copy?.of === 'pace') {
        const pace = { events: copy.events, last: Date.parse(copy.last) };
        for (const rule of streamRules) evaluate(rule, { record: normalized, event, settings, state, memory, pace });
        return { record: normalized, findings, event, copy: true };
      }
      const record = applyRbac(rbac, normalized, event);
      for (const rule of eventRules) evaluate(rule, { record, event, settings, state, memory });
      return { record, findings, event, copy: false };
    },
    fork: ({ memoryShare = 1 } = {}) =>
      createEngine({ rules, rbac: rbac.fork(), settings, state: new RuleState(state.capacity), memory: new RuleState(Math.ceil(memory.capacity * memoryShare)), redact, paced }),
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
