import type { AuditEvent, NormalizedRecord, Severity } from '#shared/contracts';

// A rule is data plus a small pure predicate over the normalized record (and the raw event when it
// needs the request/response objects). It returns the facts that matched, or undefined.
export interface RuleMatch {
  summary: string;
  evidence: Record<string, unknown>;
}

export interface RuleContext {
  record: NormalizedRecord;
  event: AuditEvent;
}

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  category: 'authentication' | 'credentials' | 'csr' | 'authorization' | 'workload' | 'network' | 'audit';
  mitre: string[];
  evaluate(ctx: RuleContext): RuleMatch | undefined;
}
