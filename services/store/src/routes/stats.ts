import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findingStats, statsGroupBys, statsIntervalNames } from '../queries/stats.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { rfc3339 } from './params.js';

const query = z.object({
  since: rfc3339.optional().describe('only findings at or after this time'),
  until: rfc3339.optional().describe('only findings before this time'),
  groupBy: z.enum(statsGroupBys).describe('the finding field to count by'),
  interval: z.enum(statsIntervalNames).optional().describe('time bucket width (UTC-aligned); absent: one bucket per key over the whole range'),
});

export function statsRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/stats',
    role: 'viewer',
    schema: {
      summary: 'Finding counts per key, optionally per time bucket',
      description: 'Buckets in ascending time, then by count descending, then by key. Without an interval every bucket has start null.',
      tags: ['findings'],
      querystring: query,
      response: {
        200: z.object({
          groupBy: z.enum(statsGroupBys),
          interval: z.enum(statsIntervalNames).nullable(),
          buckets: z.array(
            z.object({
              start: rfc3339.nullable().describe('bucket start (RFC 3339); null without an interval'),
              key: z.string().nullable().describe('the groupBy value; null when the finding has none (e.g. cluster-scoped, no namespace)'),
              count: z.number().int(),
            }),
          ),
        }),
      },
    },
    handler: async (request) => findingStats(db, request.query),
  });
}
