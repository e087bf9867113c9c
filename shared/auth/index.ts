import { createHash, timingSafeEqual } from 'node:crypto';

export { apiRoles, type ApiRole } from './roles.js';
export { createAuthFailures, defaultAuthFailuresPerMinute, presentedCredentials, replyTooManyFailures, type AuthFailures } from './auth-failures.js';

// Authentication pieces every service shares: the bearer token of a request, constant-time token lookup,
// and the per-address limit of failed authentications (auth-failures.ts).

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Finds the entry whose token equals the presented one, comparing digests in constant time. */
export function tokenLookup<T extends { token: string }>(entries: readonly T[]): (presented: string) => T | undefined {
  const table = entries.map((e) => ({ entry: e, hash: digest(e.token) }));
  return (presented) => {
    const h = digest(presented);
    let found: T | undefined;
    for (const { entry, hash } of table) if (timingSafeEqual(h, hash)) found = entry;
    return found;
  };
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
