import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decisions, recordSchema } from '#shared/contracts';
import type { ApiRole } from '#shared/config';
import { errorBodySchema } from '#shared/http';
import type { Database } from '#shared/storage';
import { listEvents } from '../queries/events.js';
import { cursor, limit, rfc3339, text } from './params.js';

const query = z.object({
  since: rfc3339.optional(),
  until: rfc3339.optional(),
  cluster: text.optional(),
  user: text.optional(),
  verb: text.optional(),
  resource: text.optional(),
  namespace: text.optional(),
  decision: z.enum(decisions).optional(),
  responseCode: z.coerce.number().int().min(100).max(599).optional(),
  clientIp: text.optional(),
  limit,
  cursor,
});

export function eventRoutes(app: FastifyInstance, { db, auth }: { db: Database; auth: (r: ApiRole) => onRequestHookHandler }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/events',
    {
      onRequest: auth('analyst'),
      schema: {
        summary: 'Normalized audit records, newest first',
        tags: ['events'],
        security: [{ bearer: [] }],
        querystring: query,
        response: {
          200: z.object({ items: z.array(recordSchema), nextCursor: z.string().nullable() }),
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
        },
      },
    },
    async (request) => {
      request.log.info({ caller: request.caller?.name, query: request.query }, 'events read');
      return listEvents(db, request.query);
    },
  );
}
