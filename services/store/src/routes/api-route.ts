import type { ContextConfigDefault, FastifyInstance, FastifySchema, onRequestHookHandler, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface, RouteHandlerMethod } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ApiRole } from '#shared/auth';
import { errorBodySchema } from '#shared/http';
import type { Database } from '#shared/storage';

// One declaration for every route of the query API: the role's bearer-token hook (createAuth), the bearer
// security requirement in the OpenAPI document, and the error answers every route shares: 401 and 403 from
// the hook, 400 when the route validates a query string, path parameters or a body.

/** createAuth's hook for a minimum role. */
export type RoleAuth = (minimum: ApiRole) => onRequestHookHandler;

/** What most route files are given: the database and the role hooks. */
export interface RouteDeps {
  db: Database;
  auth: RoleAuth;
}

/** A route's own schema: what it is (summary, tags), what it takes, and its 200 (plus any answer of its own, e.g. 404). */
export interface ApiSchema extends FastifySchema {
  summary: string;
  description?: string;
  tags: readonly string[];
  querystring?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  response: { 200: z.ZodType } & Partial<Record<number, z.ZodType>>;
}

/** 400 only where the route validates input (see `apiRoute`). */
type SharedErrors = { 400?: typeof errorBodySchema; 401: typeof errorBodySchema; 403: typeof errorBodySchema };
/** The schema as registered: the route's own, the security requirement and the shared error answers. */
export type RegisteredSchema<S extends ApiSchema> = Omit<S, 'response'> & { security: { bearer: string[] }[]; response: S['response'] & SharedErrors };

export type ApiHandler<S extends ApiSchema> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  RegisteredSchema<S>,
  ZodTypeProvider
>;

export interface ApiRoute<S extends ApiSchema> {
  method: 'GET' | 'POST';
  url: string;
  /** the least role admitted (viewer < analyst < admin) */
  role: ApiRole;
  schema: S;
  handler: ApiHandler<S>;
}

/** Registers one query-API route behind `auth(role)`, with the shared security and error answers. */
export function apiRoute<S extends ApiSchema>(app: FastifyInstance, auth: RoleAuth, { method, url, role, schema, handler }: ApiRoute<S>): void {
  const validates = schema.querystring !== undefined || schema.params !== undefined || schema.body !== undefined;
  const registered: RegisteredSchema<S> = {
    ...schema,
    security: [{ bearer: [] }],
    response: { ...schema.response, ...(validates ? { 400: errorBodySchema } : {}), 401: errorBodySchema, 403: errorBodySchema },
  };
  app.withTypeProvider<ZodTypeProvider>().route<RouteGenericInterface, ContextConfigDefault, RegisteredSchema<S>>({ method, url, onRequest: auth(role), schema: registered, handler });
}
