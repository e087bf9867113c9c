import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findingSchema, recordSchema } from '#shared/contracts';
import { errorBodySchema } from '#shared/http';
import { findingById } from '../queries/finding-by-id.js';
import { apiRoute, type RouteDeps } from './api-route.js';

const params = z.object({ id: z.string().min(1).max(512).describe('the finding id') });

export function findingByIdRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/findings/:id',
    role: 'viewer',
    schema: {
      summary: 'One finding and the normalized record it was raised on',
      description:
        "The record is the one with the finding's cluster, auditId and stage; when that stage was not stored, the latest " +
        'stored stage of the same auditId in that cluster; null when none is stored. The raw event is not included (see /v1/events/{auditId}).',
      tags: ['findings'],
      params,
      response: { 200: z.object({ finding: findingSchema, record: recordSchema.nullable() }), 404: errorBodySchema },
    },
    handler: async (request, reply) => {
      const found = await findingById(db, request.params.id);
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no finding with this id' });
      return found;
    },
  });
}
