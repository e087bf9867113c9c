import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findingSchema, severities } from '#shared/contracts';
import { errorBodySchema } from '#shared/http';
import { defaultWindowSeconds, incidentById, listIncidents } from '../queries/incidents.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { findingsFilter } from './findings.js';
import { cursor, limit } from './params.js';

const windowSeconds = z.coerce
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600)
  .default(defaultWindowSeconds)
  .describe('findings of one rule and identity at most this far apart (seconds) are one incident (default 600)');
const incidentSchema = z.object({
  id: z.string().describe('the id of its first finding'),
  ruleId: z.string(),
  title: z.string(),
  severity: z.enum(severities).describe('the highest among its findings'),
  cluster: z.string(),
  user: z.string(),
  count: z.number().int(),
  first: z.string(),
  last: z.string(),
  namespaces: z.array(z.string()),
  findingIds: z.array(z.string()).describe('its first findings, oldest first (at most 20)'),
});
const query = z.object({ ...findingsFilter, windowSeconds, limit, cursor });

export function incidentRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/incidents',
    role: 'viewer',
    schema: {
      summary: 'Incidents: findings of one rule for one identity grouped, the latest first',
      description:
        'Findings of one rule for one identity (cluster and user) that follow each other within windowSeconds are one incident, ' +
        'with its count, first and last times and its first finding ids. The filters select the findings before they are grouped.',
      tags: ['findings'],
      querystring: query,
      response: { 200: z.object({ items: z.array(incidentSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async (request) => listIncidents(db, request.query),
  });
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/incidents/:id',
    role: 'viewer',
    schema: {
      summary: 'One incident and its latest findings',
      tags: ['findings'],
      params: z.object({ id: z.string().min(1).max(512).describe('the incident id (its first finding’s id)') }),
      querystring: z.object({ windowSeconds, limit }),
      response: { 200: z.object({ incident: incidentSchema, findings: z.array(findingSchema) }), 404: errorBodySchema },
    },
    handler: async (request, reply) => {
      const found = await incidentById(db, request.params.id, request.query.windowSeconds, request.query.limit);
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no incident starts with this finding' });
      return found;
    },
  });
}
