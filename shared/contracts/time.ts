import { z } from 'zod';

/** Times in kaudit's interfaces (API parameters and responses, CLI options): RFC 3339 with a zone. */
export const rfc3339Time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp' });

/** The time an RFC 3339 string names, or undefined when it is not one (`yesterday`, `2026-11-01`, no zone). */
export function parseRfc3339(value: string): Date | undefined {
  return rfc3339Time.safeParse(value).success ? new Date(value) : undefined;
}

/** The error for an option that is not an RFC 3339 time. */
export const notRfc3339 = (name: string, value: string): string => `${name} must be an RFC 3339 time (e.g. 2026-11-01T00:00:00Z), got ${JSON.stringify(value)}`;
