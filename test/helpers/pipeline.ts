// Starts ingest + analyzer + store (+ query API) in this process on a given bus, each listening on a
// free loopback port, exactly as `npm start` wires them. Used by unit (embedded bus) and integration
// (real Kafka) tests alike.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { topicNames, type Bus, type Topics } from '#shared/bus';
import type { ApiToken, IngestToken } from '#shared/config';
import type { Lifecycle } from '#shared/lifecycle';
import { createLogger, silentLogger, type Logger } from '#shared/logging';
import { startLoopback } from '../../services/standalone/src/loopback.js';

export const ingestToken: IngestToken = { cluster: 'corpus', token: 'ingest-token-0123456789' };
export const apiTokens = {
  admin: { name: 'ada', role: 'admin', token: 'admin-token-0123456789' },
  analyst: { name: 'ann', role: 'analyst', token: 'analyst-token-0123456789' },
  viewer: { name: 'vic', role: 'viewer', token: 'viewer-token-0123456789' },
} satisfies Record<string, ApiToken>;

/** The redaction key of test pipelines: markers are predictable with createRedactor(testRedactionKey). */
export const testRedactionKey = Buffer.from('test-redaction-key-0123456789abcdef', 'utf8');

export interface Pipeline {
  bus: Bus;
  topics: Topics;
  dataDir: string;
  dbFile: string;
  webhookUrl: string;
  apiUrl: string;
  ingest: FastifyInstance;
  api: FastifyInstance;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
}

export async function startPipeline({
  brokers,
  topicPrefix = `t${String(Date.now())}${String(Math.floor(Math.random() * 1e6))}.`,
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-test-')),
  logger = process.env.KAUDIT_TEST_LOGS ? createLogger({ name: 'test', level: 'debug' }) : silentLogger(),
  bodyLimit = 16 * 1024 * 1024,
  rbacSnapshot,
  rulesFile,
  env = {},
}: {
  /** more of npm start's environment (e.g. the Kafka connection's TLS and SASL) */
  env?: Record<string, string>;
  rbacSnapshot?: string;
  rulesFile?: string;
  brokers?: string[];
  topicPrefix?: string;
  dataDir?: string;
  logger?: Logger;
  bodyLimit?: number;
} = {}): Promise<Pipeline> {
  // The configuration npm start would load from this environment: the loaders are part of what is tested.
  const { bus, ingest, api, config, lifecycle, webhookUrl, apiUrl } = await startLoopback({
    dataDir,
    brokers,
    ingestToken,
    apiTokens: Object.values(apiTokens),
    redactionKey: testRedactionKey.toString('utf8'),
    logger,
    clientId: 'kaudit-test',
    env: {
      KAUDIT_TOPIC_PREFIX: topicPrefix,
      KAUDIT_TOPIC_PARTITIONS: '3',
      KAUDIT_API_RATE_LIMIT: '100000',
      KAUDIT_BODY_LIMIT: String(bodyLimit),
      ...(rulesFile ? { KAUDIT_RULES_FILE: rulesFile } : {}),
      ...(rbacSnapshot ? { KAUDIT_RBAC_SNAPSHOT: rbacSnapshot } : {}),
      ...env,
    },
  });
  return {
    bus,
    topics: topicNames(topicPrefix),
    dataDir,
    dbFile: config.store.dbFile,
    webhookUrl,
    apiUrl,
    ingest,
    api,
    lifecycle,
    stop: () => lifecycle.shutdown('test done'),
  };
}

/**
 * One pipeline for the enclosing describe block: started before its tests, stopped after them, handed to
 * `use` once started (`let p: Pipeline; pipelineForSuite((started) => (p = started));`).
 */
export function pipelineForSuite(use: (p: Pipeline) => void, options?: Parameters<typeof startPipeline>[0]): void {
  let p: Pipeline | undefined;
  beforeAll(async () => {
    p = await startPipeline(options);
    use(p);
  });
  afterAll(async () => {
    await p?.stop();
  });
}

export async function postEvents(p: Pipeline, body: unknown, token = ingestToken.token): Promise<Response> {
  return fetch(p.webhookUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function getJson<T>(p: Pipeline, pathAndQuery: string, token: string = apiTokens.admin.token): Promise<T> {
  const res = await fetch(`${p.apiUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${pathAndQuery}: ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as T;
}
