import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '#shared/http';
import { firehoseItems } from '#shared/contracts';
import { firehosePath } from './paths.js';
import type { Receive } from './receive.js';

/** Amazon Data Firehose's HTTP endpoint delivery of an EKS cluster's CloudWatch audit log. */
export function firehoseRoute(app: FastifyInstance, { receive, bodyLimit }: { receive: Receive; bodyLimit: number }): void {
  // Firehose expects {requestId, timestamp} back, with errorMessage when it failed (it retries then).
  const firehoseBody = z.object({ requestId: z.string(), timestamp: z.number().int(), errorMessage: z.string().optional() });
  app.withTypeProvider<ZodTypeProvider>().post(
    firehosePath,
    {
      bodyLimit,
      schema: {
        summary: 'Receive an EKS audit log from Amazon Data Firehose (HTTP endpoint delivery)',
        description:
          'Body: a Firehose delivery request whose records hold CloudWatch Logs subscription payloads (gzipped, or ' +
          'decompressed, or the extracted messages) of the cluster’s audit log group. Authenticated by the ' +
          'X-Amz-Firehose-Access-Key header (the cluster’s ingest token). Answers 200 only after every event is durably on the bus.',
        response: { 200: firehoseBody, 400: firehoseBody, 401: errorBodySchema, 413: firehoseBody, 415: firehoseBody, 503: firehoseBody },
      },
    },
    async (request, reply) => {
      const header = request.headers['x-amz-firehose-request-id'];
      let requestId = typeof header === 'string' ? header : '';
      const outcome = await receive(
        request,
        reply,
        (value) => {
          const delivery = firehoseItems(value);
          if (typeof delivery === 'string') return delivery;
          requestId = delivery.requestId;
          return delivery.items;
        },
        (_error, message) => ({ requestId, timestamp: Date.now(), errorMessage: message }),
      );
      if (outcome === undefined) return reply;
      return { requestId, timestamp: Date.now() };
    },
  );
}
