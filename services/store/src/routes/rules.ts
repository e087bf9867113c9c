import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { severitySchema } from '#shared/contracts';
import type { ApiRole } from '#shared/config';
import type { Tuning } from '#shared/engine';
import { errorBodySchema } from '#shared/http';

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

export function ruleRoutes(app: FastifyInstance, { rules, auth }: { rules: Tuning['catalogue']; auth: (r: ApiRole) => onRequestHookHandler }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/rules',
    {
      onRequest: auth('viewer'),
      schema: {
        summary: 'The rule catalogue with effective severity and enabled state',
        tags: ['rules'],
        security: [{ bearer: [] }],
        response: { 200: z.object({ items: z.array(ruleSchema) }), 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    () => ({ items: rules }),
  );
}
