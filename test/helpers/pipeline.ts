// Starts ingest + analyzer + store (+ query API) in this process on a given bus, each listening on a
// free loopback port, exactly as `npm start` wires them. Used by unit (embedded bus) and integration
// (real Kafka) tests alike.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createBus, topicNames, type Bus, type Topics } from '#shared/bus';
import type { AnalyzerConfig, ApiToken, BusConfig, IngestConfig, IngestToken, StoreConfig } from '#shared/config';
import { createMetricsRegistry, listeningPort } from '#shared/http';
import { createLifecycle, type Lifecycle } from '#shared/lifecycle';
import { createLogger, silentLogger, type Logger } from '#shared/logging';
import { runAnalyzer } from '../../services/analyzer/src/service.js';
import { defaultIngestLimits } from '../../services/ingest/src/app.js';
import { runIngest } from '../../services/ingest/src/service.js';
import { runStore } from '../../services/store/src/service.js';

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

const portOf = (app: FastifyInstance): number => listeningPort(app.server);

export async function startPipeline({
  brokers,
  topicPrefix = `t${String(Date.now())}${String(Math.floor(Math.random() * 1e6))}.`,
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-test-')),
  logger = process.env.KAUDIT_TEST_LOGS ? createLogger({ name: 'test', level: 'debug' }) : silentLogger(),
  bodyLimit = 16 * 1024 * 1024,
  rbacSnapshot,
  rulesFile,
}: {
  rbacSnapshot?: string;
  rulesFile?: string;
  brokers?: string[];
  topicPrefix?: string;
  dataDir?: string;
  logger?: Logger;
  bodyLimit?: number;
} = {}): Promise<Pipeline> {
  const busConfig: BusConfig = brokers
    ? { kind: 'kafka', brokers, topicPrefix, partitions: 3, eventsRetentionHours: 168 }
    : { kind: 'embedded', dir: path.join(dataDir, 'bus'), topicPrefix };
  const common = { logLevel: 'info' as const, host: '127.0.0.1', dataDir, bus: busConfig };
  const dbFile = path.join(dataDir, 'kaudit.duckdb');
  const ingestConfig: IngestConfig = { ...common, port: 0, bodyLimit, tokens: [ingestToken], tls: undefined, clientCertClusters: new Map(), allowPlaintext: true, allowPlaintextRemote: false, limits: defaultIngestLimits };
  const analyzerConfig: AnalyzerConfig = { ...common, port: 0, rulesFile, rbacSnapshot, redactionKey: testRedactionKey };
  const storeConfig: StoreConfig = { ...common, port: 0, dbFile, tokens: Object.values(apiTokens), rulesFile, retentionDays: undefined, rateLimitPerMinute: 100_000, tls: undefined };

  const lifecycle = createLifecycle({ logger });
  const bus = createBus({ config: busConfig, clientId: 'kaudit-test', logger });
  lifecycle.onShutdown('flush', 'bus', () => bus.close());
  await bus.start();
  // as npm start wires it: the analyzer reports on the API's /metrics
  const analyzerMetrics = createMetricsRegistry('analyzer', { processMetrics: false });
  const api = await runStore({ config: storeConfig, bus, logger, lifecycle, moreMetrics: [analyzerMetrics] });
  await runAnalyzer({ config: analyzerConfig, bus, logger, lifecycle, registry: analyzerMetrics });
  const ingest = await runIngest({ config: ingestConfig, bus, logger, lifecycle });
  return {
    bus,
    topics: topicNames(topicPrefix),
    dataDir,
    dbFile,
    webhookUrl: `http://127.0.0.1:${String(portOf(ingest))}/v1/webhook`,
    apiUrl: `http://127.0.0.1:${String(portOf(api))}`,
    ingest,
    api,
    lifecycle,
    stop: () => lifecycle.shutdown('test done'),
  };
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
