// The corpus mix for benchmarks: every native audit event in ../shared/corpus (Falco traces, the
// audit2rbac capture, Panther's native-Event tests, the AKS sample), as envelopes. Read, never copied.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditEventSchema, eventDigestOfJson, type Envelope } from '#shared/contracts';

/** The repository: the nearest folder above this file with a package.json (from `bench/` or `dist/bench/`). */
export function repoRootOf(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const corpusDir = path.resolve(repoRootOf(path.dirname(fileURLToPath(import.meta.url))), '..', 'shared', 'corpus');

function lines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as unknown];
      } catch {
        return [];
      }
    });
}

export function corpusEvents(): unknown[] {
  const falcoDir = path.join(corpusDir, 'falco-k8s-audit');
  const falco = readdirSync(falcoDir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => lines(path.join(falcoDir, f)));
  const audit2rbac = lines(path.join(corpusDir, 'audit2rbac', 'demo.log'));
  const panther = (lines(path.join(corpusDir, 'panther-analysis', 'panther_k8s_tests.jsonl')) as { format: string; log: unknown }[])
    .filter((t) => t.format === 'k8s_audit_event')
    .map((t) => t.log);
  const aks = [JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'sample_KubeAuditLog_event.json'), 'utf8').replace(/^\uFEFF/, '')) as unknown];
  return [...falco, ...audit2rbac, ...panther, ...aks].filter((e) => auditEventSchema.safeParse(e).success);
}

/** Envelopes as ingest writes them (with the event's digest, which ingest computes from the JSON it writes). */
export function corpusEnvelopes(): Envelope[] {
  return corpusEvents().map((e, i) => {
    const event = auditEventSchema.parse(e);
    return { cluster: `c${String(i % 3)}`, receivedAt: '2026-11-27T00:00:00.000Z', transport: { tls: true }, eventDigest: eventDigestOfJson(JSON.stringify(event)), event };
  });
}
