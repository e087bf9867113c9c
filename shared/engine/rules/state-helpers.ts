import type { NormalizedRecord } from '#shared/contracts';
import type { RuleState } from '../state/index.js';

// Stateful rules: windows, first-seen and last-seen, all in EVENT time (replays agree with live runs).
// State keys start with the rule id and the cluster. Bounds: each window keeps at most its threshold of
// timestamps; the whole state is capped by RuleState's capacity (least recently written evicted).
export const minute = 60_000;
export const day = 24 * 60 * minute;
/** the record's event time in ms */
export const t = (r: NormalizedRecord) => Date.parse(r.eventTime);

/** A sliding window's state: the latest event times (at most the threshold) and the events they belong to. */
export interface Window {
  times: number[];
  /** `auditId|stage|eventDigest` per time (absent in state written before events were kept: counted as unknown) */
  events?: string[];
  reportedAt: number | null;
}

/**
 * Counts events per key in a sliding window; returns the count when it reaches `threshold`, once per
 * window (the burst is reported on the event that completes it, then not again until the window passes).
 * An event already in the window is not counted again: a batch delivered twice (a consumer stopped after
 * its state was written but before its offsets were committed) must not complete a burst on its own.
 */
export function windowCount(state: RuleState, key: string, record: NormalizedRecord, windowMs: number, threshold: number): number | undefined {
  const now = t(record);
  // the digest too: a client chooses its auditID (kube-apiserver copies its Audit-ID header), so 30 requests
  // sharing one are 30 events, while a redelivered event (byte for byte the same) is still one
  const event = `${record.auditId}|${record.stage}|${record.eventDigest}`;
  const w = state.get<Window>(key) ?? { times: [], reportedAt: null };
  const events = w.events ?? w.times.map(() => '');
  if (events.includes(event)) return undefined;
  const kept = w.times.map((time, i) => ({ time, event: events[i] ?? '' })).filter((e) => e.time > now - windowMs && e.time <= now);
  const last = [...kept, { time: now, event }].slice(-threshold);
  const reported = w.reportedAt !== null && w.reportedAt > now - windowMs;
  const fire = !reported && last.length >= threshold;
  state.set(key, { times: last.map((e) => e.time), events: last.map((e) => e.event), reportedAt: fire ? now : w.reportedAt } satisfies Window);
  return fire ? last.length : undefined;
}
