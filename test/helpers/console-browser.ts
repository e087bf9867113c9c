// The console's browser tests: a store over a real DuckDB file filled from ../shared/corpus (every native
// event, through one engine), listening on a loopback port, and Debian's Chromium (bench/chromium.ts).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Finding, RecordMessage } from '#shared/contracts';
import { createEngine } from '#shared/engine';
import { createLogger } from '#shared/logging';
import { openDatabase, type Database } from '#shared/storage';
import { corpusNativeEvents, envelopeOf } from '#shared/testing';
import { buildStoreApp } from '../../services/store/src/app.js';
import { createFindingsFeed, type FindingsFeed } from '../../services/store/src/console/feed.js';
import { apiTokens } from './pipeline.js';

export { launchChromium } from '../../bench/chromium.js';

/**
 * The audit2rbac capture's admin (system:admin, a client certificate) predates credential ids: its events
 * get the one kube-apiserver 1.32+ sets for a certificate (`X509SHA256=<fingerprint>`), so the credentials
 * page has rows to show.
 */
function withCredentialId(e: unknown): unknown {
  const user = (e as { user?: { username?: string; extra?: Record<string, string[]> } }).user;
  if (user?.username !== 'system:admin') return e;
  const extra = { ...user.extra, 'authentication.kubernetes.io/credential-id': ['X509SHA256=2c4f1a09be7b6d8fb0e0c6d7b1d0a3c0f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1'] };
  return { ...(e as object), user: { ...user, extra } };
}

export interface ConsoleStore {
  db: Database;
  app: FastifyInstance;
  url: string;
  findings: Finding[];
  /** what the sink tells of new findings (the live stream's source) */
  feed: FindingsFeed;
  close(): Promise<void>;
}

/** The corpus analyzed (two clusters) and stored, and the store's app listening on 127.0.0.1. */
export async function consoleStore(): Promise<ConsoleStore> {
  const engine = createEngine();
  const records: RecordMessage[] = [];
  const findings: Finding[] = [];
  corpusNativeEvents().map(withCredentialId).forEach((e, i) => {
    const a = engine.analyze(envelopeOf(e, i % 3 === 0 ? 'west' : 'east'));
    records.push({ record: a.record, event: e as Record<string, unknown> });
    findings.push(...a.findings);
  });
  // the corpus repeats some events (one finding id twice): the store keeps each id once
  const unique = [...new Map(findings.map((f) => [f.id, f])).values()];
  const db = await openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-console-')), 'k.duckdb'));
  await db.write({ records, findings });
  const feed = createFindingsFeed();
  const app = await buildStoreApp({ feed, db, tokens: Object.values(apiTokens), logger: createLogger({ name: 'console', level: 'error' }), isReady: () => true, rateLimitPerMinute: 100_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    db,
    app,
    url: `http://127.0.0.1:${String(port)}`,
    findings: unique,
    feed,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
