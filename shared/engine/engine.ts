import type { Envelope, Finding, NormalizedRecord } from '#shared/contracts';
import { findingId } from './ids.js';
import { normalize } from './normalize.js';
import { applyRbac } from './rbac-verdict.js';
import { RbacRegistry } from './rbac/index.js';
import { builtinRules, type Rule } from './rules/index.js';
import { defaultRuleSettings, type RuleSettings } from './rules/types.js';
import { RuleState } from './state/index.js';

export interface Analysis {
  record: NormalizedRecord;
  findings: Finding[];
}

export interface Engine {
  readonly rules: readonly Rule[];
  readonly rbac: RbacRegistry;
  readonly state: RuleState;
  analyze(envelope: Envelope): Analysis;
}

/** One engine per analyzer or replay: it holds per-cluster state (the RBAC model). */
export function createEngine({
  rules = builtinRules,
  rbac = new RbacRegistry(),
  settings = defaultRuleSettings,
  state = new RuleState(),
}: { rules?: readonly Rule[]; rbac?: RbacRegistry; settings?: RuleSettings; state?: RuleState } = {}): Engine {
  return {
    rules,
    rbac,
    state,
    analyze(envelope) {
      const record = applyRbac(rbac, normalize(envelope), envelope.event);
      const findings: Finding[] = [];
      for (const rule of rules) {
        const match = rule.evaluate({ record, event: envelope.event, settings, state });
        if (match) findings.push(toFinding(rule, record, match.summary, match.evidence));
      }
      return { record, findings };
    },
  };
}

function toFinding(rule: Rule, r: NormalizedRecord, summary: string, evidence: Record<string, unknown>): Finding {
  return {
    id: findingId(rule.id, r.cluster, r.auditId),
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
