import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { gkeClusterOf, isObj, parsedOrText } from '#shared/contracts';
import { errorBodySchema } from '#shared/http';
import { pubsubPath } from './paths.js';
import type { Receive, Split } from './receive.js';

// GKE's audit log pushed by Pub/Sub: a Cloud Logging sink writes each LogEntry of the cluster's audit log to
// a topic, and a push subscription POSTs `{"message": {"data": base64(LogEntry JSON), "attributes",
// "messageId", "publishTime"}, "subscription"}` here, one message a request, with its OIDC token
// (identify.ts). A 2xx acknowledges the message; anything else makes Pub/Sub push it again, with backoff,
// for as long as the subscription keeps it. So 200 comes once the converted Event (or the entry, to the DLQ
// with the reason when it converts to none) is durably on the bus, and 503 when the bus did not take it.

/** The entry a push request carries and its cluster, or why the body is no push request. */
export function pushedEntry(body: unknown, fallbackCluster: string | undefined): Split | string {
  const message = isObj(body) ? body.message : undefined;
  if (!isObj(message) || typeof message.data !== 'string') return 'not a Pub/Sub push request: expected {"message": {"data": base64}, "subscription"}';
  const entry = parsedOrText(Buffer.from(message.data, 'base64').toString('utf8'));
  // an entry that names no cluster: the configured one, else to the DLQ (and acknowledged: a retry cannot help)
  const cluster = gkeClusterOf(entry) ?? fallbackCluster;
  if (cluster === undefined) return { items: [entry], cluster: 'unknown', refusal: 'no cluster: the entry names none (resource.labels.cluster_name of a k8s_cluster resource); set KAUDIT_GKE_CLUSTER' };
  return { items: [entry], cluster };
}

export function pubsubRoute(app: FastifyInstance, { receive, bodyLimit, cluster }: { receive: Receive; bodyLimit: number; cluster: string | undefined }): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    pubsubPath,
    {
      bodyLimit,
      schema: {
        summary: 'Receive a GKE audit log entry pushed by Pub/Sub',
        description:
          'Body: a Pub/Sub push request whose message data is one Cloud Logging LogEntry of a GKE cluster’s audit log ' +
          '(protoPayload google.cloud.audit.AuditLog), converted into an audit Event. Authenticated by the push ' +
          'subscription’s Google-signed OIDC token. Answers 200 (Pub/Sub’s acknowledgement) only after the event is durably on the bus.',
        response: { 200: z.object({ accepted: z.number().int(), rejected: z.number().int() }), 400: errorBodySchema, 401: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request, reply) => {
      const outcome = await receive(request, reply, (value) => pushedEntry(value, cluster));
      if (outcome === undefined) return reply;
      return { accepted: outcome.accepted, rejected: outcome.rejected };
    },
  );
}
