import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { findingSchema, type Finding } from '#shared/contracts';
import { listFindings, type FindingFilter } from '../queries/findings.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { findingsFilter } from './findings.js';

// GET /v1/findings/export: every finding of a filter, newest first, streamed page by page (keyset cursor,
// 5,000 rows a query) as NDJSON or CSV, with no row cap: memory stays one page whatever the count.

const pageRows = 5000;
const formats = ['ndjson', 'csv'] as const;
const csvColumns = Object.keys(findingSchema.shape) as (keyof Finding)[];

async function* allFindings(db: RouteDeps['db'], filter: Omit<FindingFilter, 'limit' | 'cursor'>): AsyncGenerator<Finding> {
  let cursor: string | undefined;
  do {
    const page = await listFindings(db, { ...filter, limit: pageRows, cursor });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

export function findingExportRoutes(app: FastifyInstance, { db, auth }: RouteDeps): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/findings/export',
    role: 'viewer',
    schema: {
      summary: 'Every finding of a filter as NDJSON or CSV, streamed',
      description:
        'The filters of GET /v1/findings, newest first, without a row cap. CSV has a header row with the finding fields; lists and evidence are JSON text in their cells.',
      tags: ['findings'],
      querystring: z.object({ ...findingsFilter, format: z.enum(formats).default('ndjson').describe('ndjson (default) or csv') }),
      response: { 200: z.string().describe('application/x-ndjson or text/csv') },
    },
    handler: async (request, reply) => {
      const { format, ...filter } = request.query;
      request.log.info({ caller: request.caller?.name, format, filter }, 'findings exported');
      const rows = Readable.from(allFindings(db, filter));
      const name = `kaudit-findings-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'csv') {
        const csv = stringify({ header: true, columns: csvColumns, cast: { object: (v) => JSON.stringify(v), boolean: (v) => String(v) } });
        reply.type('text/csv; charset=utf-8');
        return reply.send(rows.pipe(csv));
      }
      reply.type('application/x-ndjson');
      return reply.send(rows.map((f: Finding) => `${JSON.stringify(f)}\n`));
    },
  });
}
