import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordSchema } from '#shared/contracts';
import type { ApiRole } from '#shared/config';
import { errorBodySchema } from '#shared/http';
import type { Database } from '#shared/storage';
import { eventStages } from '../queries/event-by-id.js';
import { text } from './params.js';

const params = z.object({ auditId: z.string().min(1).max(512).describe("the request's audit id (auditID)") });
const query = z.object({ cluster: text.optional().describe('only this cluster') });

export function eventByIdRoutes(app: FastifyInstance, { db, auth }: { db: Database; auth: (r: ApiRole) => onRequestHookHandler }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/events/:auditId',
    {
      onRequest: auth('analyst'),
      schema: {
        summary: 'Every stored stage of one request, raw events included',
        description:
          'Stages in lifecycle order (RequestReceived, ResponseStarted, ResponseComplete, Panic), then by cluster. ' +
          'Each item is the normalized record and the raw audit event as received (after redaction). Every read is logged with the caller.',
        tags: ['events'],
        security: [{ bearer: [] }],
        params,
        querystring: query,
        response: {
          200: z.object({
            items: z.array(z.object({ record: recordSchema, raw: z.record(z.string(), z.unknown()).nullable().describe('the raw audit event') })),
          }),
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const { auditId } = request.params;
      request.log.info({ caller: request.caller?.name, auditId }, 'raw event read');
      const items = await eventStages(db, auditId, request.query.cluster);
      if (items.length === 0) return reply.code(404).send({ error: 'not_found', message: 'no records with this audit id' });
      return { items };
    },
  );
}
