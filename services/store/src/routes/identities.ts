import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { credentialKinds, identityKinds, rfc3339Time as time } from '#shared/contracts';
import { errorBodySchema } from '#shared/http';
import { identitySummary } from '../queries/identities.js';
import { apiRoute, type RouteDeps } from './api-route.js';

const params = z.object({ user: z.string().min(1).max(1024).describe('the username, URL-encoded (e.g. system%3Aserviceaccount%3Ans%3Aname)') });
const counted = <K extends string>(key: K) => z.object({ [key]: z.string(), count: z.number().int() } as { [P in K]: z.ZodString } & { count: z.ZodNumber });

const identitySchema = z.object({
  user: z.string(),
  firstSeen: time,
  lastSeen: time,
  events: z.number().int().describe('requests (distinct cluster + auditId), not stage records'),
  identityKinds: z.array(z.enum(identityKinds)),
  credentials: z
    .array(
      z.object({
        credentialId: z.string(),
        credentialKind: z.enum(credentialKinds).describe('as classified on the latest record'),
        firstSeen: time,
        lastSeen: time,
        events: z.number().int(),
      }),
    )
    .describe('credential ids this user authenticated with, most recently used first'),
  verbs: z.array(counted('verb')).describe('requests per verb, most frequent first'),
  resources: z.array(counted('resource')).describe('requests per resource (resource/subresource), top 50'),
  forbidden: z.number().int().describe('requests answered 403 or with decision forbid'),
  findingsByRule: z.array(counted('ruleId')).describe("findings on this user's requests per rule"),
  clusters: z.array(z.string()),
});

export function identityRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/identities/:user',
    role: 'analyst',
    schema: {
      summary: 'What one user did: first/last seen, credentials, verbs and resources, forbidden requests, findings',
      description: 'Counts are of requests (a request is one auditId in one cluster, whatever its stages). 404 when the user has no records.',
      tags: ['identities'],
      params,
      response: { 200: identitySchema, 404: errorBodySchema },
    },
    handler: async (request, reply) => {
      request.log.info({ caller: request.caller?.name, user: request.params.user }, 'identity read');
      const summary = await identitySummary(db, request.params.user);
      if (!summary) return reply.code(404).send({ error: 'not_found', message: 'no records for this user' });
      return summary;
    },
  });
}
