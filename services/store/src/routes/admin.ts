import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorBodySchema } from '#shared/http';
import { retentionPass } from '#shared/storage';
import { apiRoute, type RouteDeps } from './api-route.js';

const dayMs = 86_400_000;

// strict: a misspelt field must not fall back to the configured retention and delete by it
const body = z
  .strictObject({
    olderThanDays: z.number().int().min(1).max(100_000).optional().describe('delete what is older than this many days; absent: KAUDIT_RETENTION_DAYS'),
  })
  // no body at all arrives as null
  .nullish();

/** Admin operations: one retention pass now (the same pass as the hourly one of KAUDIT_RETENTION_DAYS). */
export function adminRoutes(
  app: FastifyInstance,
  { db, auth, retentionDays, lakeDir, now = Date.now }: RouteDeps & { retentionDays: number | undefined; lakeDir?: string | undefined; now?: () => number },
): void {
  apiRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/retention',
    role: 'admin',
    schema: {
      summary: 'Run one retention pass now',
      description:
        'Deletes records whose event time and receipt are both older than the cut-off, and findings whose request has no record left; ' +
        'with KAUDIT_LAKE_DIR, hands every whole day before the cut-off to the lake instead (Parquet, still answered by the API). ' +
        'The cut-off is olderThanDays before now, else KAUDIT_RETENTION_DAYS. Every call is logged with the caller.',
      tags: ['admin'],
      body,
      response: {
        200: z.object({
          deletedRecords: z.number().int().describe('rows taken out of the file (with a lake: handed over to it)'),
          deletedFindings: z.number().int(),
          olderThan: z.string().describe('the cut-off (RFC 3339)'),
          lakeDays: z.array(z.string()).optional().describe('with a lake: the days handed over to it (YYYY-MM-DD)'),
        }),
        429: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      const days = request.body?.olderThanDays ?? retentionDays;
      if (days === undefined) {
        return reply.code(400).send({ error: 'bad_request', message: 'no retention configured: set KAUDIT_RETENTION_DAYS or give olderThanDays' });
      }
      const cutoff = new Date(now() - days * dayMs);
      const olderThan = cutoff.toISOString();
      request.log.info({ caller: request.caller?.name, olderThanDays: days, olderThan }, 'retention pass requested');
      const deleted = await retentionPass(db, cutoff, lakeDir);
      request.log.info({ caller: request.caller?.name, olderThan, records: deleted.records, findings: deleted.findings, lakeDays: deleted.lake?.days }, 'retention pass done');
      return { deletedRecords: deleted.records, deletedFindings: deleted.findings, olderThan, ...(deleted.lake ? { lakeDays: deleted.lake.days } : {}) };
    },
  });
}
