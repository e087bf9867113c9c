import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '#shared/logging';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { z } from 'zod';

// HTTP pieces every service shares: constant-time token lookup, health/readiness/metrics routes,
// and a JSON error shape.
export const errorBodySchema = z.object({ error: z.string(), message: z.string() });

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Finds the entry whose token equals the presented one, comparing digests in constant time. */
export function tokenLookup<T extends { token: string }>(entries: readonly T[]): (presented: string) => T | undefined {
  const table = entries.map((e) => ({ entry: e, hash: digest(e.token) }));
  return (presented) => {
    const h = digest(presented);
    let found: T | undefined;
    for (const { entry, hash } of table) if (timingSafeEqual(h, hash)) found = entry;
    return found;
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function registerHealthRoutes(
  app: FastifyInstance,
  { isReady, registry }: { isReady: () => boolean; registry: Registry },
): void {
  const status = z.object({ status: z.string() });
  app.get('/healthz', { schema: { hide: true, response: { 200: status } } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true, response: { 200: status, 503: status } } }, async (_req, reply) => {
    if (isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready' });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

/** A fastify instance with the zod type provider's compilers; never listening (main.ts does that). */
/** TLS for an app: server certificate and key; with `clientCa`, client certificates are asked for (optional). */
export interface HttpsOptions {
  cert: string;
  key: string;
  clientCa?: string | undefined;
}

export function createHttpApp({ logger, bodyLimit, https }: { logger: Logger; bodyLimit?: number; https?: HttpsOptions | undefined }): FastifyInstance {
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
  });
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
