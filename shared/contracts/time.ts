import { z } from 'zod';

/** Times in kaudit's interfaces (API parameters and responses, CLI options): RFC 3339 with a zone. */
export const rfc3339Time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp' });

/** The time an RFC 3339 string names, or undefined when it is not one (`yesterday`, `2026-11-01`, no zone). */
export function parseRfc3339(value: string): Date | undefined {
  return rfc3339Time.safeParse(value).success && auditTime(value) !== undefined ? new Date(value) : undefined;
}

/** The error for an option that is not an RFC 3339 time. */
export const notRfc3339 = (name: string, value: string): string => `${name} must be an RFC 3339 time (e.g. 2026-11-01T00:00:00Z), got ${JSON.stringify(value)}`;

// RFC 3339 as audit events carry it (`2026-11-27T10:00:00.123456Z`, or with an offset), checked to be a real
// time: `2026-13-45T99:99:99Z` and `2026-02-30T00:00:00Z` have the shape and are no time. Exports of SIEMs
// (Panther's `2022-11-29 00:09:04.38`) write UTC with a space and no zone: read as UTC, never as the host's
// local time, so an event means the same instant on every machine.
const rfc3339Shape = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)?$/;
const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Days in a month (1–12) of the proleptic Gregorian calendar, as Date.UTC counts them. */
const daysIn = (year: number, month: number) => (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : (monthDays[month - 1] ?? 0));
/** Years DuckDB's TIMESTAMP and every client keep without surprise. */
const minYear = 1;
const maxYear = 9999;

/**
 * An audit timestamp as a millisecond UTC ISO string, or undefined when it is absent or no real time: an
 * RFC 3339 shape (`T` or a space between date and time; no zone is UTC) is checked field by field (month,
 * day of that month, hour, minute, second, offset), any other text must be one Date.parse reads; either
 * way the year must lie in 1…9999.
 */
export function auditTime(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const m = rfc3339Shape.exec(value);
  if (m) {
    // (the groups are digits by the pattern; Number of each without an intermediate array: this runs for
    // every time field of every event)
    const year = Number(m[1]);
    const month = Number(m[2]);
    const dayOfMonth = Number(m[3]);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = Number(m[6]);
    const zone = m[8] ?? 'Z';
    if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
    if (zone.length > 1 && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return undefined;
    if (zone === 'Z' || zone === 'z') {
      if (year < minYear) return undefined;
      return `${value.slice(0, 10)}T${value.slice(11, 19)}.${(m[7] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
    }
  }
  // an offset: Date.parse reads it (with a space too); any other text must be a time it reads
  const t = Date.parse(m ? `${value.slice(0, 10)}T${value.slice(11)}` : value);
  if (Number.isNaN(t)) return undefined;
  const year = new Date(t).getUTCFullYear();
  return year < minYear || year > maxYear ? undefined : new Date(t).toISOString();
}
