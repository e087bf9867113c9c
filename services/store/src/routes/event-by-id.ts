import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordSchema } from '#shared/contracts';
import { errorBodySchema } from '#shared/http';
import { eventStages } from '../queries/event-by-id.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { text } from './params.js';

const params = z.object({ auditId: z.string().min(1).max(512).describe("the request's audit id (auditID)") });
const query = z.object({ cluster: text.optional().describe('only this cluster') });

export function eventByIdRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/events/:auditId',
    role: 'analyst',
    schema: {
      summary: 'Every stored stage of one request, raw events included',
      description:
        'Stages in lifecycle order (RequestReceived, ResponseStarted, ResponseComplete, Panic), then by cluster. ' +
        'Each item is the normalized record and the raw audit event as received (after redaction). Every read is logged with the caller.',
      tags: ['events'],
      params,
      querystring: query,
      response: {
        200: z.object({
          items: z.array(z.object({ record: recordSchema, raw: z.record(z.string(), z.unknown()).nullable().describe('the raw audit event') })),
        }),
        404: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      const { auditId } = request.params;
      request.log.info({ caller: request.caller?.name, auditId }, 'raw event read');
      const items = await eventStages(db, auditId, request.query.cluster);
      if (items.length === 0) return reply.code(404).send({ error: 'not_found', message: 'no records with this audit id' });
      return { items };
    },
  });
}
