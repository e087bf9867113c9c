import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '#shared/http';
import { splitItems } from '#shared/contracts';
import { webhookPath } from './paths.js';
import type { Receive } from './receive.js';

const outcomeSchema = z.object({
  accepted: z.number().int().describe('events durably written to the bus'),
  rejected: z.number().int().describe('items that are not audit events; sent to the DLQ with the reason'),
  errors: z.array(z.object({ index: z.number().int(), reason: z.string() })).describe('first 100 rejections'),
});

/** kube-apiserver's audit webhook backend: an EventList (or Events) per request. */
export function webhookRoute(app: FastifyInstance, { receive, bodyLimit }: { receive: Receive; bodyLimit: number }): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    webhookPath,
    {
      bodyLimit,
      schema: {
        summary: 'Receive an audit EventList from the kube-apiserver webhook backend',
        description:
          'Body: an audit.k8s.io EventList, a single Event or a JSON array of Events (gzip allowed). ' +
          'Answers 200 only after every event is durably on the bus.',
        security: [{ bearer: [] }],
        response: { 200: outcomeSchema, 400: errorBodySchema, 401: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request, reply) => {
      const outcome = await receive(request, reply, splitItems);
      return outcome ?? reply;
    },
  );
}
