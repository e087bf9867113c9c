import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { decisions, recordSchema } from '#shared/contracts';
import { listEvents } from '../queries/events.js';
import { apiRoute, type RouteDeps } from './api-route.js';
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

export function eventRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/events',
    role: 'analyst',
    schema: {
      summary: 'Normalized audit records, newest first',
      tags: ['events'],
      querystring: query,
      response: { 200: z.object({ items: z.array(recordSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async (request) => {
      request.log.info({ caller: request.caller?.name, query: request.query }, 'events read');
      return listEvents(db, request.query);
    },
  });
}
