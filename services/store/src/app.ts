import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createHash } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { ApiToken } from '#shared/config';
import { bearerToken, createAuthFailures, defaultAuthFailuresPerMinute, type AuthFailures } from '#shared/auth';
import { createHttpApp, registerHealthRoutes, replyHttpError, type HttpsOptions } from '#shared/http';
import { createMetricsRegistry } from '#shared/metrics';
import type { Logger } from '#shared/logging';
import type { Database } from '#shared/storage';
import { tuningFromFile } from '#shared/engine';
import type { RuleCatalogueEntry } from '#shared/contracts';
import { ruleRoutes } from './routes/rules.js';
import { createAuth } from './auth.js';
import { BadParameter } from './queries/findings.js';
import { eventRoutes } from './routes/events.js';
import { findingRoutes } from './routes/findings.js';
import { findingByIdRoutes } from './routes/finding-by-id.js';
import { incidentRoutes } from './routes/incidents.js';
import { eventByIdRoutes } from './routes/event-by-id.js';
import { statsRoutes } from './routes/stats.js';
import { identityRoutes } from './routes/identities.js';
import { credentialRoutes } from './routes/credentials.js';
import { adminRoutes } from './routes/admin.js';
import { sessionRoutes } from './routes/session.js';
import { findingExportRoutes } from './routes/findings-export.js';
import { findingLiveRoutes } from './routes/findings-live.js';
import { createFindingsFeed, type FindingsFeed } from './console/feed.js';
import { triageRoutes } from './routes/triage.js';
import type { TriageLog } from './triage/log.js';
import { createSessions, type Sessions } from './console/sessions.js';
import { consoleRoutes, defaultConsoleDir } from './console/static.js';

export interface StoreAppDeps {
  db: Database;
  tokens: ApiToken[];
  /** The rule catalogue with effective severity and enabled state. */
  rules?: readonly RuleCatalogueEntry[];
  logger: Logger;
  isReady: () => boolean;
  /** consumers of this process stuck on a failing batch (readiness names them) */
  stalled?: () => string[];
  /** Requests per minute per caller (bearer token, else client address); health and metrics are exempt. */
  rateLimitPerMinute?: number;
  /** HTTPS with this certificate and key */
  https?: HttpsOptions | undefined;
  /** the store's metrics (the sink reports there too); a new one when absent */
  registry?: Registry;
  /** other services' registries appended to /metrics (npm start) */
  moreMetrics?: readonly Registry[];
  /** KAUDIT_RETENTION_DAYS: what POST /v1/admin/retention deletes without olderThanDays; undefined: it must be given */
  retentionDays?: number | undefined;
  /** KAUDIT_LAKE_DIR: where a retention pass hands the days past it */
  lakeDir?: string | undefined;
  /** KAUDIT_AUTH_FAILURES_PER_MINUTE: failed authentications per client address before it gets 429 (default 20) */
  authFailuresPerMinute?: number;
  /** the per-address count of failed authentications itself (tests give one with a clock); made from `authFailuresPerMinute` when absent */
  authFailures?: AuthFailures;
  /** KAUDIT_METRICS_TOKEN: /metrics needs it as a bearer token; undefined: open */
  metricsToken?: string | undefined;
  /** the clock of the admin retention pass's cut-off */
  now?: () => number;
  /** the console's sign-in sessions (tests give one with a clock); 8-hour sessions when absent */
  sessions?: Sessions;
  /** new findings as the sink stores them (GET /v1/findings/live); a feed nothing publishes to when absent */
  feed?: FindingsFeed;
  /** where triage actions are made durable before the API answers (the store: the triage topic); absent: the DuckDB file only */
  triageLog?: TriageLog;
  /** the built console (npm run build: dist/console) served under /ui/ */
  consoleDir?: string;
}

export const defaultRateLimitPerMinute = 600;

interface HttpError {
  statusCode?: number;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
  message: string;
}

/** The SOC query API. Built here, listened on by main.ts; tests use app.inject(). */
export async function buildStoreApp({
  db,
  tokens,
  logger,
  isReady,
  stalled = () => [],
  rules = tuningFromFile(undefined).catalogue,
  rateLimitPerMinute = defaultRateLimitPerMinute,
  https,
  registry = createMetricsRegistry('store'),
  moreMetrics = [],
  retentionDays,
  lakeDir,
  authFailuresPerMinute = defaultAuthFailuresPerMinute,
  authFailures = createAuthFailures({ perMinute: authFailuresPerMinute }),
  metricsToken,
  now = Date.now,
  sessions = createSessions(),
  feed = createFindingsFeed(),
  triageLog = { append: () => Promise.resolve() },
  consoleDir = defaultConsoleDir,
}: StoreAppDeps): Promise<FastifyInstance> {
  const app = createHttpApp({ logger, https });
  // Security headers on every response (nosniff, frame denial, no referrer, HSTS, a CSP that the /docs UI
  // fits in with its own static CSP).
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameAncestors: ["'none'"] },
    },
  });
  // Per caller: the token's hash (never the token itself) or, unauthenticated, the client address. 429 with
  // Retry-After beyond the limit.
  await app.register(rateLimit, {
    max: rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const token = bearerToken(request.headers.authorization);
      return token === undefined ? `ip:${request.ip}` : `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
    },
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics',
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'too_many_requests',
      message: `rate limit of ${String(context.max)} requests per minute exceeded; retry in ${String(Math.ceil(context.ttl / 1000))} s`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'kaudit query API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.setErrorHandler((err: HttpError, _request, reply) => {
    if (err instanceof BadParameter) {
      return reply.code(400).send({ error: 'bad_request', message: `invalid query parameter "${err.parameter}": ${err.message}` });
    }
    if (err.validation && err.validation.length > 0) {
      const first = err.validation[0];
      const name = first?.instancePath?.replace(/^\//, '').split('/')[0] ?? '';
      const where = err.validationContext === 'querystring' ? 'query parameter' : (err.validationContext ?? 'parameter');
      return reply.code(400).send({ error: 'bad_request', message: `invalid ${where} "${name}": ${first?.message ?? 'invalid'}` });
    }
    return replyHttpError(reply, err, { logger, what: 'query API request' });
  });

  await app.register(cookie);
  registerHealthRoutes(app, { isReady, registry, more: moreMetrics, stalled, metricsToken, authFailures });
  const auth = createAuth(tokens, { authFailures, sessions });
  sessionRoutes(app, { tokens, sessions, auth, authFailures, secure: https !== undefined });
  await consoleRoutes(app, { dir: consoleDir });
  // the fixed paths before /v1/findings/:id
  findingExportRoutes(app, { db, auth });
  findingLiveRoutes(app, { feed, auth });
  findingRoutes(app, { db, auth });
  eventRoutes(app, { db, auth });
  ruleRoutes(app, { rules, auth });
  findingByIdRoutes(app, { db, auth });
  incidentRoutes(app, { db, auth });
  eventByIdRoutes(app, { db, auth });
  statsRoutes(app, { db, auth });
  identityRoutes(app, { db, auth });
  credentialRoutes(app, { db, auth });
  adminRoutes(app, { db, auth, retentionDays, lakeDir, now });
  triageRoutes(app, { db, auth, log: triageLog, now });
  return app;
}
