import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiToken } from '#shared/config';
import { apiRoles, replyTooManyFailures, tokenLookup, type AuthFailures } from '#shared/auth';
import { errorBodySchema } from '#shared/http';
import { sessionCookie, type Session, type Sessions } from '../console/sessions.js';
import { apiRoute, type RoleAuth } from './api-route.js';

// The console's sign-in and sign-out (see console/sessions.ts).

const sessionSchema = z.object({
  name: z.string().describe("the API token's name"),
  role: z.enum(apiRoles),
  csrfToken: z.string().describe('send it in the x-kaudit-csrf header with every write made with this session'),
  expiresAt: z.string().describe('when the session ends (RFC 3339)'),
});
const described = (s: Session) => ({ name: s.name, role: s.role, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() });

export function sessionRoutes(app: FastifyInstance, { tokens, sessions, auth, authFailures, secure }: { tokens: readonly ApiToken[]; sessions: Sessions; auth: RoleAuth; authFailures: AuthFailures; secure: boolean }): void {
  const lookup = tokenLookup(tokens);
  const cookie = (reply: FastifyReply, value: string, maxAge: number) =>
    reply.setCookie(sessionCookie, value, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge });

  app.withTypeProvider<ZodTypeProvider>().post('/v1/session', {
    schema: {
      summary: 'Sign in: an API token exchanged for a session cookie (the console)',
      description: 'Sets an HttpOnly, SameSite=Strict cookie (Secure over TLS). A wrong token counts as a failed authentication of the client address.',
      tags: ['session'],
      body: z.object({ token: z.string().min(1).max(4096) }),
      response: { 200: sessionSchema, 400: errorBodySchema, 401: errorBodySchema, 429: errorBodySchema },
    },
    handler: async (request, reply) => {
      const wait = authFailures.blockedFor(request.ip);
      if (wait !== undefined) return replyTooManyFailures(reply, wait);
      const caller = lookup(request.body.token);
      if (!caller) {
        authFailures.failed(request.ip);
        return reply.code(401).send({ error: 'unauthorized', message: 'this token is not one of the API tokens' });
      }
      const session = sessions.open({ name: caller.name, role: caller.role });
      request.log.info({ caller: caller.name, role: caller.role }, 'console session opened');
      cookie(reply, session.id, Math.floor(sessions.ttlMs / 1000));
      return described(session);
    },
  });

  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/session',
    role: 'viewer',
    schema: { summary: 'The current console session', tags: ['session'], response: { 200: sessionSchema } },
    handler: async (request, reply) => {
      const session = sessions.get(request.cookies[sessionCookie]);
      if (!session) return reply.code(401).send({ error: 'unauthorized', message: 'no console session (signed in with a bearer token)' });
      return described(session);
    },
  });

  apiRoute(app, auth, {
    method: 'POST',
    url: '/v1/session/end',
    role: 'viewer',
    schema: { summary: 'Sign out: ends the console session', tags: ['session'], response: { 200: z.object({ ended: z.boolean() }) } },
    handler: async (request, reply) => {
      const id = request.cookies[sessionCookie];
      const ended = sessions.get(id) !== undefined;
      sessions.end(id);
      cookie(reply, '', 0);
      return { ended };
    },
  });
}
