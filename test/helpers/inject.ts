import type { FastifyInstance } from 'fastify';
import { apiTokens } from './pipeline.js';

/** GET through fastify's inject with a bearer token (admin by default); the status and the JSON body. */
export function apiGetter(app: () => FastifyInstance) {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed view of the JSON body
  return async <T>(url: string, token: { token: string } = apiTokens.admin): Promise<{ status: number; body: T }> => {
    const res = await app().inject({ url, headers: { authorization: `Bearer ${token.token}` } });
    return { status: res.statusCode, body: res.json<T>() };
  };
}
