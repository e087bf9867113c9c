// Overload protection for the webhook: rather than queueing without bound (and growing memory until the
// process dies), ingest answers 429 with Retry-After when too many batches, or too many bytes, are being
// received and written at once. kube-apiserver's webhook backend keeps the batch and retries it, so shedding
// loses nothing; what ingest acknowledged (200) is on the bus.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ingestPaths } from './routes/paths.js';

export const shedRetryAfterSeconds = 1;

export function shedLoad(
  app: FastifyInstance,
  { maxInFlight, maxInFlightBytes, bodyLimit, registry }: { maxInFlight: number; maxInFlightBytes: number; bodyLimit: number; registry: Registry },
): void {
  let requests = 0;
  let bytes = 0;
  const admitted = new WeakMap<FastifyRequest, number>();
  const shed = new Counter({ name: 'kaudit_ingest_shed_total', help: 'Webhook requests answered 429 because ingest was at capacity', registers: [registry] });
  new Gauge({
    name: 'kaudit_ingest_inflight_requests',
    help: 'Webhook requests being received or written',
    registers: [registry],
    collect() {
      this.set(requests);
    },
  });
  const release = (request: FastifyRequest) => {
    const size = admitted.get(request);
    if (size === undefined) return;
    admitted.delete(request);
    requests--;
    bytes -= size;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !ingestPaths.has(request.url.split('?')[0] ?? '')) return;
    // A chunked body of unknown length may be as large as the limit allows.
    const declared = Number(request.headers['content-length']);
    const size = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, bodyLimit) : bodyLimit;
    // One request is always admitted, so a single batch at the byte limit still gets through.
    if (requests > 0 && (requests >= maxInFlight || bytes + size > maxInFlightBytes)) {
      shed.inc();
      return reply
        .code(429)
        .header('retry-after', String(shedRetryAfterSeconds))
        .send({ error: 'overloaded', message: 'ingest is at capacity; retry the batch later' });
    }
    requests++;
    bytes += size;
    admitted.set(request, size);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    release(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    release(request);
    done();
  });
}
