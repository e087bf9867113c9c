import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { bearerToken, createAuthFailures, presentedCredentials, replyTooManyFailures, tokenLookup, type AuthFailures } from '#shared/auth';
import type { Logger } from '#shared/logging';

// HTTP pieces every service shares: the fastify app, health/readiness/metrics routes, and a JSON error
// shape with the answer to a thrown error.
export const errorBodySchema = z.object({ error: z.string(), message: z.string() });

const errorCodes: Readonly<Record<number, string>> = { 413: 'payload_too_large', 429: 'too_many_requests' };

/**
 * The answer to an error fastify or a plugin threw: its 4xx status with the JSON error shape (code by
 * status, else `bad_request`; `messages` may give a clearer text per status), or a logged 500 that says
 * nothing about the internals.
 */
export function replyHttpError(
  reply: FastifyReply,
  err: { statusCode?: number; message: string },
  { logger, what, messages = {} }: { logger: Logger; what: string; messages?: Readonly<Record<number, string>> },
): FastifyReply {
  const status = err.statusCode ?? 500;
  if (status < 500) return reply.code(status).send({ error: errorCodes[status] ?? 'bad_request', message: messages[status] ?? err.message });
  logger.error({ err }, `${what} failed`);
  return reply.code(500).send({ error: 'internal', message: 'internal error' });
}

export interface HealthRoutesOptions {
  isReady: () => boolean;
  registry: Registry;
  more?: readonly Registry[];
  stalled?: () => string[];
  /** KAUDIT_METRICS_TOKEN: /metrics then needs `Authorization: Bearer <token>`; undefined: open */
  metricsToken?: string | undefined;
  /** where failed /metrics authentications count (the service's other authentications share it); a new one when absent */
  authFailures?: AuthFailures;
}

export function registerHealthRoutes(
  app: FastifyInstance,
  { isReady, registry, more = [], stalled = () => [], metricsToken, authFailures }: HealthRoutesOptions,
): void {
  const status = z.object({ status: z.string(), stalled: z.array(z.string()).optional() });
  app.get('/healthz', { schema: { hide: true, response: { 200: status } } }, () => ({ status: 'ok' }));
  // Not ready while the bus is not, or while a consumer of this process is stuck on a batch (named)
  app.get('/readyz', { schema: { hide: true, response: { 200: status, 503: status } } }, async (_req, reply) => {
    const stuck = stalled();
    if (stuck.length > 0) return reply.code(503).send({ status: 'stalled', stalled: stuck });
    if (isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready' });
  });
  // Other services of the same process (npm start) are appended: their metric names differ.
  // /healthz and /readyz stay open for probes; /metrics, when a token is set, needs it.
  app.get('/metrics', { schema: { hide: true }, ...(metricsToken === undefined ? {} : { onRequest: metricsAuth(metricsToken, authFailures ?? createAuthFailures()) }) }, async (_req, reply) => {
    const texts = await Promise.all([registry, ...more].map((r) => r.metrics()));
    return reply.type(registry.contentType).send(texts.join('\n'));
  });
}

/** Bearer-token check of /metrics (constant time), behind the per-address limit of failed authentications. */
function metricsAuth(token: string, authFailures: AuthFailures): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const lookup = tokenLookup([{ token }]);
  return async function authorizeMetrics(request: FastifyRequest, reply: FastifyReply) {
    const wait = authFailures.blockedFor(request.ip);
    if (wait !== undefined) return replyTooManyFailures(reply, wait);
    const presented = bearerToken(request.headers.authorization);
    if (presented !== undefined && lookup(presented) !== undefined) return;
    if (presentedCredentials(request)) authFailures.failed(request.ip);
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="kaudit-metrics"')
      .send({ error: 'unauthorized', message: 'a valid bearer token is required for /metrics' });
  };
}

/** TLS for an app: server certificate and key; with `clientCa`, client certificates are asked for (optional). */
export interface HttpsOptions {
  cert: string;
  key: string;
  clientCa?: string | undefined;
}

/** How long a client may take: for its headers, between two of its bytes (idle), and for its whole request. */
export interface HttpTimeouts {
  headersMs: number;
  idleMs: number;
  requestMs: number;
}

/** A fastify instance with the zod type provider's compilers; never listening (main.ts does that). */
export function createHttpApp({ logger, bodyLimit, https, timeouts }: { logger: Logger; bodyLimit?: number; https?: HttpsOptions | undefined; timeouts?: HttpTimeouts }): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    ...(https === undefined
      ? {}
      : {
          https: {
            cert: https.cert,
            key: https.key,
            minVersion: 'TLSv1.2' as const,
            // A client certificate is asked for but not required: a cluster may use a bearer token instead.
            // Whether the one presented chains to the CA is checked per request (socket.authorized).
            ...(https.clientCa === undefined ? {} : { ca: https.clientCa, requestCert: true, rejectUnauthorized: false }),
          },
        }),
    logController: new LogController({ disableRequestLogging: true }),
    // usernames in paths (OIDC subjects, service accounts) can be long
    routerOptions: { maxParamLength: 1024 },
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    ...(timeouts === undefined ? {} : { connectionTimeout: timeouts.idleMs, requestTimeout: timeouts.requestMs }),
  });
  if (timeouts !== undefined) {
    app.server.headersTimeout = timeouts.headersMs;
    // Node checks requestTimeout only every 30 s (connectionsCheckingInterval): a client trickling a byte
    // at a time would keep its place that long. A request not received in full in time is cut off here.
    const { requestMs } = timeouts;
    app.addHook('onRequest', (request, _reply, done) => {
      const raw = request.raw;
      if (!raw.complete) {
        const timer = setTimeout(() => {
          if (!raw.complete) raw.destroy();
        }, requestMs).unref();
        raw.once('end', () => { clearTimeout(timer); });
        raw.once('close', () => { clearTimeout(timer); });
      }
      done();
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Graceful shutdown with keep-alive clients (kube-apiserver keeps its connection): once closing, answer
  // the requests in flight with `Connection: close`, so their connections end with them instead of lingering
  // until the keep-alive timeout (72 s) holds the process up.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  return app;
}

/** The TCP port a listening server got (listen on port 0 picks a free one); 0 when not listening. */
export function listeningPort(server: { address(): string | { port: number } | null }): number {
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}
