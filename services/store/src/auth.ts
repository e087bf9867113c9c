import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { apiRoles, type ApiRole, type ApiToken } from '#shared/config';
import { bearerToken, tokenLookup } from '#shared/http';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: { name: string; role: ApiRole };
  }
}

const rank = (r: ApiRole) => apiRoles.indexOf(r);

/** Bearer-token authentication with roles viewer < analyst < admin: 401 without a valid token, 403 below the role. */
export function createAuth(tokens: ApiToken[]): (minimum: ApiRole) => onRequestHookHandler {
  const lookup = tokenLookup(tokens);
  return (minimum) =>
    async function authorize(request: FastifyRequest, reply: FastifyReply) {
      const token = bearerToken(request.headers.authorization);
      const caller = token === undefined ? undefined : lookup(token);
      if (!caller) {
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
