import type { FastifyReply, FastifyRequest } from 'fastify';

// Failed authentications per client address: an address that fails too often within a minute is refused
// (429 + Retry-After) before its credentials are looked at, so tokens cannot be guessed at the speed of the
// network. Only failures count: a successful authentication is never counted and resets nothing.

export const defaultAuthFailuresPerMinute = 20;
/** Addresses remembered at most; beyond, the oldest window is dropped. */
export const defaultAuthFailureAddresses = 10_000;
const windowMs = 60_000;

export interface AuthFailures {
  /** Seconds until `address` may try again (≥ 1), or undefined when it is not blocked. */
  blockedFor(address: string): number | undefined;
  /** Counts one failed authentication of `address`. */
  failed(address: string): void;
  /** Addresses remembered now (bounded by `maxAddresses`). */
  size(): number;
}

/**
 * A fixed one-minute window per address, opened by its first failure: once `perMinute` failures fall in the
 * window, the address is blocked until the window ends. The map is bounded: expired windows go first, then
 * the oldest.
 */
export function createAuthFailures({
  perMinute = defaultAuthFailuresPerMinute,
  maxAddresses = defaultAuthFailureAddresses,
  now = Date.now,
}: { perMinute?: number; maxAddresses?: number; now?: () => number } = {}): AuthFailures {
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError(`failed authentications per minute must be a positive integer, got ${String(perMinute)}`);
  if (!Number.isInteger(maxAddresses) || maxAddresses < 1) throw new RangeError(`addresses must be a positive integer, got ${String(maxAddresses)}`);
  /** address → its window; insertion order is the order the windows opened */
  const windows = new Map<string, { start: number; count: number }>();
  const current = (address: string, t: number) => {
    const w = windows.get(address);
    return w !== undefined && t - w.start < windowMs ? w : undefined;
  };
  return {
    blockedFor(address) {
      const t = now();
      const w = current(address, t);
      if (w === undefined || w.count < perMinute) return undefined;
      return Math.max(1, Math.ceil((w.start + windowMs - t) / 1000));
    },
    failed(address) {
      const t = now();
      const w = current(address, t);
      if (w !== undefined) {
        w.count++;
        return;
      }
      windows.delete(address);
      for (const [oldest, { start }] of windows) {
        if (t - start < windowMs && windows.size < maxAddresses) break;
        windows.delete(oldest);
      }
      windows.set(address, { start: t, count: 1 });
    },
    size: () => windows.size,
  };
}

/** Whether a request brought credentials at all (an Authorization header or a client certificate): only those can be guesses. */
export function presentedCredentials(request: FastifyRequest): boolean {
  if ((request.headers.authorization ?? '').trim() !== '') return true;
  const socket = request.raw.socket as { getPeerCertificate?: () => object | null };
  if (typeof socket.getPeerCertificate !== 'function') return false;
  const cert = socket.getPeerCertificate();
  return cert !== null && Object.keys(cert).length > 0;
}

/** The 429 of a blocked address, with Retry-After in seconds. */
export function replyTooManyFailures(reply: FastifyReply, seconds: number): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .send({ error: 'too_many_requests', message: `too many failed authentications from this address; retry after ${String(seconds)} s` });
}
