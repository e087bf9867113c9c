import { randomBytes } from 'node:crypto';
import type { ApiRole } from '#shared/auth';

// The console's sign-in: an API token is exchanged once for a session (a random id in an HttpOnly cookie,
// SameSite=Strict, Secure over TLS) that carries the token's name and role. Sessions live in the store's
// memory: a restart signs everyone out. Writes made with a session need its CSRF token in a header, which
// only the console's own pages can read (GET /v1/session).

export const sessionCookie = 'kaudit_session';
export const csrfHeader = 'x-kaudit-csrf';
export const defaultSessionHours = 8;
/** sessions kept at most; beyond, the oldest is ended */
const maxSessions = 10_000;

export interface Session {
  id: string;
  name: string;
  role: ApiRole;
  csrfToken: string;
  expiresAt: number;
}

export interface Sessions {
  open(caller: { name: string; role: ApiRole }): Session;
  /** the live session with this id; an expired one is ended */
  get(id: string | undefined): Session | undefined;
  end(id: string | undefined): void;
  readonly ttlMs: number;
}

export function createSessions({ ttlMs = defaultSessionHours * 3600_000, now = Date.now }: { ttlMs?: number; now?: () => number } = {}): Sessions {
  const live = new Map<string, Session>();
  const token = () => randomBytes(32).toString('base64url');
  return {
    ttlMs,
    open(caller) {
      if (live.size >= maxSessions) {
        const oldest = live.keys().next().value;
        if (oldest !== undefined) live.delete(oldest);
      }
      const s: Session = { id: token(), name: caller.name, role: caller.role, csrfToken: token(), expiresAt: now() + ttlMs };
      live.set(s.id, s);
      return s;
    },
    get(id) {
      if (id === undefined) return undefined;
      const s = live.get(id);
      if (s && s.expiresAt <= now()) {
        live.delete(id);
        return undefined;
      }
      return s;
    },
    end(id) {
      if (id !== undefined) live.delete(id);
    },
  };
}
