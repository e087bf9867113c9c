import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { severitySchema } from '#shared/contracts';
import type { Tuning } from '#shared/engine';
import { apiRoute, type RoleAuth } from './api-route.js';

const ruleSchema = z.object({
  id: z.string(),
  title: z.string(),
  severity: severitySchema.describe('effective severity, after the tuning file'),
  defaultSeverity: severitySchema,
  category: z.string(),
  mitre: z.array(z.string()),
  enabled: z.boolean(),
  custom: z.boolean().describe('a CEL rule from the tuning file'),
  exceptions: z.number().int().describe('number of CEL exceptions'),
});

export function ruleRoutes(app: FastifyInstance, { rules, auth }: { rules: Tuning['catalogue']; auth: RoleAuth }): void {
  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/rules',
    role: 'viewer',
    schema: {
      summary: 'The rule catalogue with effective severity and enabled state',
      tags: ['rules'],
      response: { 200: z.object({ items: z.array(ruleSchema) }) },
    },
    handler: () => ({ items: rules }),
  });
}
