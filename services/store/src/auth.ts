import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ApiToken } from '#shared/config';
import { timingSafeEqual } from 'node:crypto';
import { apiRoles, bearerToken, createAuthFailures, presentedCredentials, replyTooManyFailures, tokenLookup, type ApiRole, type AuthFailures } from '#shared/auth';
import { csrfHeader, sessionCookie, type Sessions } from './console/sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: { name: string; role: ApiRole };
  }
}

const rank = (r: ApiRole) => apiRoles.indexOf(r);

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Bearer-token authentication with roles viewer < analyst < admin: 401 without a valid token, 403 below the
 * role. A wrong token counts against the client address (`authFailures`); an address past the limit gets
 * 429 before its token is looked at, a right one too, so guessing cannot go on.
 *
 * Without an Authorization header, the console's session cookie stands for the token it was opened with
 * (`sessions`); a write made with it must carry the session's CSRF token in `x-kaudit-csrf`, else 403.
 */
export function createAuth(tokens: ApiToken[], { authFailures = createAuthFailures(), sessions }: { authFailures?: AuthFailures; sessions?: Sessions } = {}): (minimum: ApiRole) => onRequestHookHandler {
  const lookup = tokenLookup(tokens);
  return (minimum) =>
    async function authorize(request: FastifyRequest, reply: FastifyReply) {
      const wait = authFailures.blockedFor(request.ip);
      if (wait !== undefined) return replyTooManyFailures(reply, wait);
      const token = bearerToken(request.headers.authorization);
      const session = token === undefined && request.headers.authorization === undefined ? sessions?.get(request.cookies[sessionCookie]) : undefined;
      if (session && !safeMethods.has(request.method)) {
        const presented = request.headers[csrfHeader];
        if (typeof presented !== 'string' || !sameText(presented, session.csrfToken)) {
          return reply.code(403).send({ error: 'forbidden', message: `a write made with a console session needs its CSRF token in the ${csrfHeader} header` });
        }
      }
      const caller = session ?? (token === undefined ? undefined : lookup(token));
      if (!caller) {
        // a request without any credentials cannot be a guess: it is refused, not counted
        if (presentedCredentials(request)) authFailures.failed(request.ip);
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="kaudit"')
          .send({ error: 'unauthorized', message: 'a valid bearer token is required' });
      }
      if (rank(caller.role) < rank(minimum)) {
        return reply.code(403).send({ error: 'forbidden', message: `this endpoint needs the ${minimum} role` });
      }
      request.caller = { name: caller.name, role: caller.role };
    };
}
