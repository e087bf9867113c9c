import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { ApiToken } from '#shared/config';
import { createHttpApp, createMetricsRegistry, registerHealthRoutes } from '#shared/http';
import type { Logger } from '#shared/logging';
import type { Database } from '#shared/storage';
import { builtinRules, loadTuning, type Tuning } from '#shared/engine';
import { ruleRoutes } from './routes/rules.js';
import { createAuth } from './auth.js';
import { BadParameter } from './queries/findings.js';
import { eventRoutes } from './routes/events.js';
import { findingRoutes } from './routes/findings.js';
import { findingByIdRoutes } from './routes/finding-by-id.js';
import { eventByIdRoutes } from './routes/event-by-id.js';
import { statsRoutes } from './routes/stats.js';
import { identityRoutes } from './routes/identities.js';
import { credentialRoutes } from './routes/credentials.js';

export interface StoreAppDeps {
  db: Database;
  tokens: ApiToken[];
  /** The rule catalogue with effective severity and enabled state. */
  rules?: Tuning['catalogue'];
  logger: Logger;
  isReady: () => boolean;
}

interface HttpError {
  statusCode?: number;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
  message: string;
}

/** The SOC query API. Built here, listened on by main.ts; tests use app.inject(). */
export async function buildStoreApp({ db, tokens, logger, isReady, rules = loadTuning(builtinRules, undefined).catalogue }: StoreAppDeps): Promise<FastifyInstance> {
  const app = createHttpApp({ logger });
  await app.register(swagger, {
    openapi: {
      info: { title: 'kaudit query API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

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
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: 'bad_request', message: err.message });
    logger.error({ err }, 'query API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  const registry = createMetricsRegistry('store');
  registerHealthRoutes(app, { isReady, registry });
  const auth = createAuth(tokens);
  findingRoutes(app, { db, auth });
  eventRoutes(app, { db, auth });
  ruleRoutes(app, { rules, auth });
  findingByIdRoutes(app, { db, auth });
  eventByIdRoutes(app, { db, auth });
  statsRoutes(app, { db, auth });
  identityRoutes(app, { db, auth });
  credentialRoutes(app, { db, auth });
  return app;
}
