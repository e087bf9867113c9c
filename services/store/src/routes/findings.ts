import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findingSchema } from '#shared/contracts';
import type { ApiRole } from '#shared/config';
import { errorBodySchema } from '#shared/http';
import type { Database } from '#shared/storage';
import { listFindings } from '../queries/findings.js';
import { cursor, limit, repeatable, rfc3339, severity, text } from './params.js';

const query = z.object({
  since: rfc3339.optional().describe('only findings at or after this time'),
  until: rfc3339.optional().describe('only findings before this time'),
  severity: severity.optional().describe('minimum severity'),
  ruleId: repeatable.optional().describe('rule id; repeat for several'),
  cluster: text.optional(),
  user: text.optional(),
  namespace: text.optional(),
  limit,
  cursor,
});

export function findingRoutes(app: FastifyInstance, { db, auth }: { db: Database; auth: (r: ApiRole) => onRequestHookHandler }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/findings',
    {
      onRequest: auth('viewer'),
      schema: {
        summary: 'Findings, newest first',
        tags: ['findings'],
        security: [{ bearer: [] }],
        querystring: query,
        response: {
          200: z.object({ items: z.array(findingSchema), nextCursor: z.string().nullable() }),
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
        },
      },
    },
    async (request) => listFindings(db, request.query),
  );
}
