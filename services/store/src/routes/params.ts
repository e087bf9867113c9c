import { z } from 'zod';
import { auditTime, rfc3339Time, severities } from '#shared/contracts';

// Query-string pieces shared by the list endpoints.
// A time the store can hold (years 1…9999 in UTC): `9999-12-31T23:59:59-23:59` has the shape and lies past it.
export const rfc3339 = rfc3339Time.refine((v) => auditTime(v) !== undefined, { error: 'must be an RFC 3339 timestamp between the years 1 and 9999 (UTC)' });
export const limit = z.coerce.number().int().min(1).max(1000).default(100).describe('page size, 1–1000 (default 100)');
export const cursor = z.string().min(1).max(512).optional().describe('nextCursor of the previous page');
export const repeatable = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]));
export const severity = z.enum(severities);
export const text = z.string().min(1).max(1024);
