import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { credentialKinds } from '#shared/contracts';
import { listCredentials } from '../queries/credentials.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { cursor, limit, rfc3339 as time, text } from './params.js';

const query = z.object({
  staleAfterDays: z.coerce.number().int().min(1).max(3650).default(90).describe('a credential in use longer than this many days is stale, 1–3650 (default 90)'),
  cluster: text.optional().describe('only credentials seen in this cluster'),
  limit,
  cursor,
});

export function credentialRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/credentials',
    role: 'analyst',
    schema: {
      summary: 'Credentials seen in the audit records, most recently used first, with age and stale flag',
      description:
        'One item per credential id (authentication.kubernetes.io/credential-id; records without one are not listed). ' +
        "credentialKind, user and cluster are those of the credential's latest record. " +
        'ageDays = whole days between firstSeen and lastSeen (how long the credential has been in use); ' +
        'stale = ageDays > staleAfterDays. Keyset-paginated on (lastSeen, credentialId).',
      tags: ['identities'],
      querystring: query,
      response: {
        200: z.object({
          items: z.array(
            z.object({
              credentialId: z.string(),
              credentialKind: z.enum(credentialKinds),
              user: z.string(),
              cluster: z.string(),
              firstSeen: time,
              lastSeen: time,
              ageDays: z.number().int().describe('whole days between firstSeen and lastSeen'),
              stale: z.boolean().describe('ageDays > staleAfterDays'),
            }),
          ),
          nextCursor: z.string().nullable(),
        }),
      },
    },
    handler: async (request) => {
      request.log.info({ caller: request.caller?.name, query: request.query }, 'credentials read');
      return listCredentials(db, request.query);
    },
  });
}
