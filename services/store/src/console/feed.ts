import { severityRank, type Finding } from '#shared/contracts';
import type { FindingFilter } from '../queries/findings.js';

// New findings as the sink stores them, for the live stream (GET /v1/findings/live): each subscriber is
// given the findings of every batch written after it subscribed. Nothing is kept: a subscriber that
// reconnects reads what it missed from GET /v1/findings.

export interface FindingsFeed {
  publish(findings: readonly Finding[]): void;
  /** returns the unsubscribe function */
  subscribe(listener: (findings: readonly Finding[]) => void): () => void;
  subscribers(): number;
}

export function createFindingsFeed(): FindingsFeed {
  const listeners = new Set<(findings: readonly Finding[]) => void>();
  return {
    publish(findings) {
      if (findings.length === 0) return;
      for (const l of listeners) l(findings);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribers: () => listeners.size,
  };
}

/** The findings filter (GET /v1/findings's parameters but time and paging) as a test of one finding. */
export type LiveFilter = Omit<FindingFilter, 'since' | 'until' | 'limit' | 'cursor'>;

export function matchesFilter(f: Finding, q: LiveFilter): boolean {
  return (
    (q.severity === undefined || severityRank(f.severity) >= severityRank(q.severity)) &&
    (q.severityIs === undefined || f.severity === q.severityIs) &&
    (q.ruleId === undefined || q.ruleId.length === 0 || q.ruleId.includes(f.ruleId)) &&
    (q.cluster === undefined || f.cluster === q.cluster) &&
    (q.user === undefined || f.user === q.user) &&
    (q.namespace === undefined || f.namespace === q.namespace) &&
    // a finding just stored has no triage state yet
    (q.triage === undefined || q.triage === 'new')
  );
}
