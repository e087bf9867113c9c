import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Finding } from '#shared/contracts';
import { matchesFilter, type FindingsFeed } from '../console/feed.js';
import { apiRoute, type RoleAuth } from './api-route.js';
import { findingsFilter } from './findings.js';

// GET /v1/findings/live: server-sent events, one `finding` event per new finding that matches the filter,
// as the store writes it; a comment every 15 s keeps proxies from closing an idle stream.

const heartbeatMs = 15_000;
const { since: _since, until: _until, ...liveFilter } = findingsFilter;

export function findingLiveRoutes(app: FastifyInstance, { feed, auth }: { feed: FindingsFeed; auth: RoleAuth }): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/findings/live',
    role: 'viewer',
    schema: {
      summary: 'New findings as they are stored (server-sent events)',
      description: 'text/event-stream: an event `finding` with the finding as JSON data for each new finding matching the filters (those of GET /v1/findings but the time range).',
      tags: ['findings'],
      querystring: z.object(liveFilter),
      response: { 200: z.string().describe('text/event-stream') },
    },
    handler: (request, reply) => {
      const filter = request.query;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
      });
      res.write(': live\n\n');
      const send = (findings: readonly Finding[]) => {
        for (const f of findings) if (matchesFilter(f, filter)) res.write(`event: finding\nid: ${f.id}\ndata: ${JSON.stringify(f)}\n\n`);
      };
      const unsubscribe = feed.subscribe(send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
      };
      request.raw.on('close', close);
      res.on('error', close);
    },
  });
}
