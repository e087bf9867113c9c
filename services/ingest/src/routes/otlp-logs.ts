import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Counter } from 'prom-client';
import { z } from 'zod';
import { errorBodySchema } from '#shared/http';
import { otlpLogItems } from '#shared/contracts';
import { otlpLogsPath } from './paths.js';
import type { Receive } from './receive.js';

/** OTLP's ExportLogsServiceResponse: empty when every record was taken. */
const otlpResponseSchema = z.object({
  partialSuccess: z
    .object({
      rejectedLogRecords: z.string().describe('log records that are no audit events (int64, as the OTLP JSON encoding writes it)'),
      errorMessage: z.string().describe('why the first of them was rejected'),
    })
    .optional(),
});

/** OpenTelemetry logs (OTLP/HTTP, JSON encoding) whose records hold audit Events. */
export function otlpLogsRoute(app: FastifyInstance, { receive, bodyLimit, batches }: { receive: Receive; bodyLimit: number; batches: Counter<'status'> }): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    otlpLogsPath,
    {
      bodyLimit,
      schema: {
        summary: 'Receive OpenTelemetry logs (OTLP/HTTP, JSON encoding) whose records hold audit Events',
        description:
          'Body: an ExportLogsServiceRequest in the OTLP JSON encoding (gzip allowed); each log record’s body ' +
          'is an audit Event, as its JSON line or as a map. Answers 200 only after every event is durably on the bus, ' +
          'with partialSuccess naming the records that are no events (sent to the DLQ with the reason).',
        security: [{ bearer: [] }],
        response: { 200: otlpResponseSchema, 400: errorBodySchema, 401: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        batches.inc({ status: '415' });
        return reply.code(415).send({
          error: 'unsupported_media_type',
          message: `OTLP/HTTP in ${type === '' || type === undefined ? 'no content type' : type} is not taken here: send the JSON encoding (application/json; the collector’s otlphttp exporter: encoding: json)`,
        });
      }
      const outcome = await receive(request, reply, (value) => otlpLogItems(value) ?? 'not an OTLP ExportLogsServiceRequest: expected an object with resourceLogs[]');
      if (outcome === undefined) return reply;
      return outcome.rejected === 0 ? {} : { partialSuccess: { rejectedLogRecords: String(outcome.rejected), errorMessage: outcome.errors[0]?.reason ?? 'not an audit event' } };
    },
  );
}
