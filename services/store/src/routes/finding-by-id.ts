import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findingSchema, recordSchema } from '#shared/contracts';
import type { ApiRole } from '#shared/config';
import { errorBodySchema } from '#shared/http';
import type { Database } from '#shared/storage';
import { findingById } from '../queries/finding-by-id.js';

const params = z.object({ id: z.string().min(1).max(512).describe('the finding id') });

export function findingByIdRoutes(app: FastifyInstance, { db, auth }: { db: Database; auth: (r: ApiRole) => onRequestHookHandler }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/findings/:id',
    {
      onRequest: auth('viewer'),
      schema: {
        summary: 'One finding and the normalized record it was raised on',
        description:
          "The record is the one with the finding's cluster, auditId and stage; when that stage was not stored, the latest " +
          'stored stage of the same auditId in that cluster; null when none is stored. The raw event is not included (see /v1/events/{auditId}).',
        tags: ['findings'],
        security: [{ bearer: [] }],
        params,
        response: {
          200: z.object({ finding: findingSchema, record: recordSchema.nullable() }),
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const found = await findingById(db, request.params.id);
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no finding with this id' });
      return found;
    },
  );
}
