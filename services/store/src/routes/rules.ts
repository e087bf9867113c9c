import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ruleCatalogueEntrySchema, type RuleCatalogueEntry } from '#shared/contracts';
import { apiRoute, type RoleAuth } from './api-route.js';

export function ruleRoutes(app: FastifyInstance, { rules, auth }: { rules: readonly RuleCatalogueEntry[]; auth: RoleAuth }): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/rules',
    role: 'viewer',
    schema: {
      summary: 'The rule catalogue with effective severity and enabled state',
      tags: ['rules'],
      response: { 200: z.object({ items: z.array(ruleCatalogueEntrySchema) }) },
    },
    handler: () => ({ items: rules }),
  });
}
