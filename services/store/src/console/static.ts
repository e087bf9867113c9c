import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

// The console's static files (built by `npm run build` from services/store/console into dist/console),
// served under /ui/ by the store on its own port. Its pages call the query API with the session cookie.

/** dist/console, found from this file whether it runs from the sources or from dist */
export const defaultConsoleDir = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir.endsWith(`${path.sep}dist`) ? path.dirname(dir) : dir, 'dist', 'console');
})();

export async function consoleRoutes(app: FastifyInstance, { dir }: { dir: string }): Promise<void> {
  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/'));
  if (!existsSync(path.join(dir, 'index.html'))) {
    app.get('/ui/*', { schema: { hide: true } }, (_request, reply) =>
      reply.code(404).send({ error: 'not_found', message: `the console is not built (${dir}): run npm run build` }),
    );
    return;
  }
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: dir, prefix: '/ui/', decorateReply: false, index: 'index.html', schemaHide: true });
  });
}
