import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findingSchema, triageStates } from '#shared/contracts';
import { listFindings } from '../queries/findings.js';
import { triageOf } from '../triage/actions.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { cursor, limit, repeatable, rfc3339, severity, text } from './params.js';

/** The findings filters (GET /v1/findings; GET /v1/incidents groups what they select). */
export const findingsFilter = {
  since: rfc3339.optional().describe('only findings at or after this time'),
  until: rfc3339.optional().describe('only findings before this time'),
  severity: severity.optional().describe('minimum severity'),
  severityIs: severity.optional().describe('exactly this severity'),
  ruleId: repeatable.optional().describe('rule id; repeat for several'),
  cluster: text.optional(),
  user: text.optional(),
  namespace: text.optional(),
  triage: z.enum(triageStates).optional().describe('the latest triage state (new: none set yet, or set back to new)'),
};
const query = z.object({ ...findingsFilter, limit, cursor });
export const triageOfSchema = z.object({ state: z.enum(triageStates), at: z.string(), actor: z.string() });

export function findingRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/findings',
    role: 'viewer',
    schema: {
      summary: 'Findings, newest first',
      tags: ['findings'],
      querystring: query,
      response: {
        200: z.object({
          items: z.array(findingSchema),
          nextCursor: z.string().nullable(),
          triage: z.record(z.string(), triageOfSchema).describe('the latest triage state of the page’s findings that have one, by finding id'),
        }),
      },
    },
    handler: async (request) => {
      const page = await listFindings(db, request.query);
      return { ...page, triage: await triageOf(db, page.items.map((f) => f.id)) };
    },
  });
}
