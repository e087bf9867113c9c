import { minute, t } from '../state-helpers.js';
import { auditRule } from './helpers.js';

/** A cluster's log as the rule knows it: the latest event time, and how busy the log was up to it. */
interface LogPace {
  last: number;
  /** Start of the minute being counted, and its events so far. */
  minuteStart: number;
  count: number;
  /** Consecutive whole minutes right before `minuteStart` that held at least `silenceBusyRate` events each. */
  busyMinutes: number;
}

/** Minutes of a steady pace before a gap that make the log a full one. */
const busyStreak = 3;

// State written before the pace was kept was a bare time: such a log is taken as busy (as the rule then did).
const paceOf = (v: LogPace | number | undefined): LogPace | undefined =>
  typeof v === 'number' ? { last: v, minuteStart: Math.floor(v / minute) * minute, count: 0, busyMinutes: busyStreak } : v;

/**
 * No audit events from a cluster for longer than `silenceMinutes`, in event time: high when the log was a
 * busy one before the gap (at least `silenceBusyRate` events a minute for 3 minutes in a row, which a full
 * kube-apiserver log has from leases and controllers alone), low otherwise: a gap in an excerpt, a sample or
 * a log filtered down to a few requests says little. A time kaudit had to infer neither opens nor closes a gap.
 */
export const auditSilence = auditRule({ id: 'audit-silence', title: 'Audit events stopped', severity: 'high', mitre: ['T1562.008'], scope: 'stream' }, ({ record, state, settings, pace: copy }) => {
  if (record.eventTimeInferred) return undefined;
  const key = `audit-silence|${record.cluster}`;
  const now = t(record);
  const pace = paceOf(state.get<LogPace | number>(key));
  const thisMinute = Math.floor(now / minute) * minute;
  // a pace copy stands for `events` events of this minute, the latest at `last`; an event for itself
  const n = copy?.events ?? 1;
  const latest = copy === undefined ? now : Math.max(now, copy.last);
  if (pace === undefined) {
    state.set(key, { last: latest, minuteStart: thisMinute, count: n, busyMinutes: 0 } satisfies LogPace);
    return undefined;
  }
  const gap = now - pace.last;
  const busy = pace.busyMinutes + (pace.count >= settings.silenceBusyRate ? 1 : 0) >= busyStreak;
  if (now > pace.last) {
    let next: LogPace;
    if (thisMinute === pace.minuteStart) next = { ...pace, last: latest, count: pace.count + n };
    else {
      // the minute counted is over: it extends the streak when it was busy and this minute follows it directly
      const extends_ = pace.count >= settings.silenceBusyRate && thisMinute === pace.minuteStart + minute;
      next = { last: latest, minuteStart: thisMinute, count: n, busyMinutes: extends_ ? pace.busyMinutes + 1 : 0 };
    }
    state.set(key, next);
  } else if (thisMinute === pace.minuteStart) state.set(key, { ...pace, last: Math.max(pace.last, latest), count: pace.count + n });
  if (gap <= settings.silenceMinutes * minute) return undefined;
  const gapMinutes = Math.floor(gap / minute);
  return {
    ...(busy ? {} : { lower: 'low' as const }),
    summary: `Cluster ${record.cluster} sent no audit events for ${String(gapMinutes)} minutes before this one${busy ? ', after a steady pace' : ' (the log was sparse before the gap)'}.`,
    evidence: { cluster: record.cluster, silentSince: new Date(pace.last).toISOString(), resumedAt: record.eventTime, gapMinutes, busyBefore: busy },
  };
});
