import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import type { IngestToken } from '#shared/config';
import type { Logger } from '#shared/logging';
import { bearerToken, presentedCredentials, replyTooManyFailures, tokenLookup, type AuthFailures } from '#shared/auth';
import { firehoseKeyHeader, firehosePath, ingestPaths, pubsubPath } from './routes/paths.js';
import type { PushTokenVerifier } from './push-token.js';

export interface Caller {
  cluster: string;
  /** the subject of the client certificate the cluster authenticated with, if any */
  clientCertSubject?: string;
}

/**
 * Who is calling the webhook, decided in the first hook, from the TLS handshake and the headers alone: a
 * client certificate that chains to the configured CA and whose subject CN is mapped to a cluster, else a
 * bearer token. An unknown caller gets 401 before its body is read and before it counts against ingest's
 * capacity (shedLoad runs after this), so unauthenticated clients cannot hold ingest at 429. An address whose
 * credentials failed too often (`authFailures`) gets 429 before they are even looked at, a right token too.
 */
export function authenticateWebhook(
  app: FastifyInstance,
  {
    tokens,
    clientCertClusters,
    batches,
    authFailures,
    pushTokens,
    logger,
  }: {
    tokens: readonly IngestToken[];
    clientCertClusters: ReadonlyMap<string, string>;
    batches: Counter<'status'>;
    authFailures: AuthFailures;
    /** /v1/pubsub's check of Pub/Sub's OIDC token; undefined: the route is off */
    pushTokens?: PushTokenVerifier | undefined;
    logger: Logger;
  },
): (request: FastifyRequest) => Caller {
  const findCluster = tokenLookup(tokens);
  const callers = new WeakMap<FastifyRequest, Caller>();
  /** The caller, by client certificate or by the token `path` takes (Firehose's access-key header, else a bearer token). */
  function identify(request: FastifyRequest, path: string): Caller | undefined {
    const socket = request.raw.socket as Partial<TLSSocket>;
    if (socket.authorized === true && typeof socket.getPeerCertificate === 'function') {
      const cert = socket.getPeerCertificate();
      const cn = cert.subject.CN;
      const cluster = typeof cn === 'string' ? clientCertClusters.get(cn) : undefined;
      if (cluster !== undefined) return { cluster, clientCertSubject: `CN=${String(cn)}` };
    }
    const firehoseKey = request.headers[firehoseKeyHeader];
    const token = path === firehosePath ? (typeof firehoseKey === 'string' && firehoseKey !== '' ? firehoseKey : undefined) : bearerToken(request.headers.authorization);
    const byToken = token === undefined ? undefined : findCluster(token);
    return byToken === undefined ? undefined : { cluster: byToken.cluster };
  }
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (request.method !== 'POST' || !ingestPaths.has(path)) return;
    // off: not found, as any other unknown route
    if (path === pubsubPath && pushTokens === undefined) return;
    const wait = authFailures.blockedFor(request.ip);
    if (wait !== undefined) {
      batches.inc({ status: '429' });
      // like the 401: the body is never read, the connection closes with the answer
      return replyTooManyFailures(reply.header('connection', 'close'), wait);
    }
    let caller: Caller | undefined;
    if (path === pubsubPath && pushTokens !== undefined) {
      const checked = await pushTokens(bearerToken(request.headers.authorization));
      // a push's cluster comes with its entry (routes/pubsub.ts), not with its caller
      if (checked.ok) caller = { cluster: '' };
      // said: a subscription set up wrongly retries for days
      else logger.warn({ ip: request.ip, reason: checked.reason }, 'Pub/Sub push refused: its token did not verify');
    } else caller = identify(request, path);
    if (caller === undefined) {
      // a request without any credentials cannot be a guess: it is refused, not counted
      if (presentedCredentials(request) || request.headers[firehoseKeyHeader] !== undefined) authFailures.failed(request.ip);
      batches.inc({ status: '401' });
      // the body is never read: the connection closes with the answer
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="kaudit-ingest"')
        .header('connection', 'close')
        .send({ error: 'unauthorized', message: 'a client certificate or bearer token of a known cluster is required' });
    }
    callers.set(request, caller);
  });
  return (request) => {
    const caller = callers.get(request);
    if (caller === undefined) throw new Error('webhook request without an authenticated caller');
    return caller;
  };
}
