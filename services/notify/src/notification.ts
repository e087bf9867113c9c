import type { Finding } from '#shared/contracts';

// What an output delivers: one finding, or a group of findings of one rule and identity within a route's
// window (the group's first finding stands for it, with the count and the first and last event times).
// The id is the idempotency key outputs are given: the finding's id, or the group's.

export interface Notification {
  /** the finding's id, or (a group) `g-` and a digest of the group's key and window */
  id: string;
  /** the finding; for a group, its first */
  finding: Finding;
  /** how many findings it stands for (1 unless grouped) */
  count: number;
  /** the first and last event times of its findings */
  first: string;
  last: string;
  /** a group's first findings' ids (at most `sampleIds`) */
  findingIds: string[];
  grouped: boolean;
}

/** How many of a group's findings' ids its notification lists. */
export const sampleIds = 20;

export function single(f: Finding): Notification {
  return { id: f.id, finding: f, count: 1, first: f.eventTime, last: f.eventTime, findingIds: [f.id], grouped: false };
}

/** ` (49 times from <first> to <last>)` for a group of more than one, else nothing. */
export function repeats(n: Notification): string {
  return n.count > 1 ? ` (${String(n.count)} times from ${n.first} to ${n.last})` : '';
}

/**
 * The query API's link for a notification: a finding's own page, or the findings list of the group's rule
 * and identity over its time range.
 */
export function linkOf(base: string | undefined, n: Notification): string | undefined {
  if (base === undefined) return undefined;
  const root = base.replace(/\/+$/, '');
  if (!n.grouped) return `${root}/v1/findings/${encodeURIComponent(n.id)}`;
  const f = n.finding;
  const until = new Date(Date.parse(n.last) + 1).toISOString();
  const q = new URLSearchParams({ ruleId: f.ruleId, cluster: f.cluster, user: f.user, since: n.first, until });
  return `${root}/v1/findings?${q.toString()}`;
}
