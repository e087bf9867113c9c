import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ApiToken } from '#shared/config';
import { apiRoles, bearerToken, createAuthFailures, presentedCredentials, replyTooManyFailures, tokenLookup, type ApiRole, type AuthFailures } from '#shared/auth';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: { name: string; role: ApiRole };
  }
}

const rank = (r: ApiRole) => apiRoles.indexOf(r);

/**
 * Bearer-token authentication with roles viewer < analyst < admin: 401 without a valid token, 403 below the
 * role. A wrong token counts against the client address (`authFailures`); an address past the limit gets
 * 429 before its token is looked at, a right one too, so guessing cannot go on.
 */
export function createAuth(tokens: ApiToken[], { authFailures = createAuthFailures() }: { authFailures?: AuthFailures } = {}): (minimum: ApiRole) => onRequestHookHandler {
  const lookup = tokenLookup(tokens);
  return (minimum) =>
    async function authorize(request: FastifyRequest, reply: FastifyReply) {
      const wait = authFailures.blockedFor(request.ip);
      if (wait !== undefined) return replyTooManyFailures(reply, wait);
      const token = bearerToken(request.headers.authorization);
      const caller = token === undefined ? undefined : lookup(token);
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
