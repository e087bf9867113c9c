import { commonConfig, dbFile, parseEnv, readApiTokens, readClientCertClusters, readIngestTokens, readMetricsToken, readRedactionKey, readTls, configError, type CommonConfig, type TlsConfig } from './env.js';
import type { ApiToken, IngestToken } from './token-lists.js';
import { readAksSource, type AksSourceConfig } from './aks-source.js';
import { readEksSource, type EksSourceConfig } from './eks-source.js';
import { readGkePush, type GkePushConfig } from './gke-push.js';
import { setting } from './values.js';

type RawEnv = Record<string, string | undefined>;

export interface IngestConfig extends CommonConfig {
  port: number;
  bodyLimit: number;
  tokens: IngestToken[];
  /** HTTPS (and client certificates when a CA is set); undefined: plain HTTP, if allowed. */
  tls: TlsConfig | undefined;
  /** client certificate subject CN → cluster */
  clientCertClusters: Map<string, string>;
  /** plain HTTP allowed (KAUDIT_ALLOW_PLAINTEXT, explicitly: npm start generates certificates instead) */
  allowPlaintext: boolean;
  allowPlaintextRemote: boolean;
  /** load shedding (KAUDIT_INGEST_MAX_INFLIGHT[_BYTES]) and per-event limits (KAUDIT_MAX_EVENT_BYTES, KAUDIT_MAX_JSON_DEPTH) */
  limits: { maxInFlight: number; maxInFlightBytes: number; maxBatchEvents: number; maxEventBytes: number; maxDepth: number };
  /** Key of the redaction markers' hashes (ingest redacts before the bus); undefined: a random key per process. */
  redactionKey: Buffer | undefined;
  /** KAUDIT_AUTH_FAILURES_PER_MINUTE: failed authentications per client address before it gets 429 */
  authFailuresPerMinute: number;
  /** KAUDIT_METRICS_TOKEN(_FILE): bearer token of /metrics; undefined: /metrics is open */
  metricsToken: string | undefined;
  /** the AKS source (KAUDIT_AKS_*): an Event Hub read through its Kafka endpoint; undefined: none */
  aks?: AksSourceConfig | undefined;
  /** the EKS pull source (KAUDIT_EKS_*): log groups read through the CloudWatch Logs API; undefined: none */
  eks?: EksSourceConfig | undefined;
  /** the GKE route (KAUDIT_GKE_*): Pub/Sub pushes of Cloud Logging entries to /v1/pubsub; undefined: off */
  gke?: GkePushConfig | undefined;
}
export interface AnalyzerConfig extends CommonConfig {
  /** health and metrics port (microservice mode; npm start reports the analyzer on the API port) */
  port: number;
  rulesFile: string | undefined;
  rbacSnapshot: string | undefined;
  /** Key of the redaction markers' hashes; undefined: a random key per process (markers comparable within it only). */
  redactionKey: Buffer | undefined;
  /** KAUDIT_METRICS_TOKEN(_FILE): bearer token of /metrics; undefined: /metrics is open */
  metricsToken: string | undefined;
}
export interface NotifyConfig extends CommonConfig {
  /** health and metrics port (microservice mode; npm start reports notify on the API port) */
  port: number;
  /** KAUDIT_NOTIFY_FILE: the outputs and routes */
  notifyFile: string;
  /** the KAUDIT_NOTIFY_SECRET_* variables, which the notify file's `{env}` secrets name */
  notifySecrets: Record<string, string>;
  /** KAUDIT_METRICS_TOKEN(_FILE): bearer token of /metrics; undefined: /metrics is open */
  metricsToken: string | undefined;
}
export interface StoreConfig extends CommonConfig {
  port: number;
  dbFile: string;
  tokens: ApiToken[];
  /** The tuning file, read for GET /v1/rules (effective severity and enabled state). */
  rulesFile: string | undefined;
  /** KAUDIT_RETENTION_DAYS: rows older than this are deleted in the background; undefined keeps them. */
  retentionDays: number | undefined;
  /** KAUDIT_LAKE_DIR: the days past the retention go there as Parquet (shared/storage/lake.ts) instead of being deleted */
  lakeDir: string | undefined;
  /** KAUDIT_API_RATE_LIMIT: requests per minute per caller. */
  rateLimitPerMinute: number;
  /** HTTPS for the query API (the same certificate as ingest). */
  tls: TlsConfig | undefined;
  /** KAUDIT_AUTH_FAILURES_PER_MINUTE: failed authentications per client address before it gets 429 */
  authFailuresPerMinute: number;
  /** KAUDIT_METRICS_TOKEN(_FILE): bearer token of /metrics; undefined: /metrics is open */
  metricsToken: string | undefined;
}
/** `npm run export`: only the database location and log level; no tokens, no bus. */
export interface ExportConfig {
  logLevel: CommonConfig['logLevel'];
  dbFile: string;
}
export interface StandaloneConfig {
  ingest: IngestConfig;
  analyzer: AnalyzerConfig;
  store: StoreConfig;
  /** KAUDIT_NOTIFY_FILE: the notify service's outputs and routes; undefined: no notify service */
  notifyFile: string | undefined;
  /** the KAUDIT_NOTIFY_SECRET_* variables, which the notify file's `{env}` secrets name */
  notifySecrets: Record<string, string>;
}

function required<T>(value: T[] | undefined, variable: string): T[] {
  if (value === undefined) throw configError(variable, `not set (set ${variable} or ${variable}_FILE)`);
  return value;
}

// Each loader reads only what its service needs. `process.env` is read here and nowhere else.
export function loadIngestConfig(raw: RawEnv = process.env, tokens = readIngestTokens(raw), redactionKey = readRedactionKey(raw)): IngestConfig {
  const env = parseEnv(raw);
  const tls = readTls(raw);
  return {
    ...commonConfig(env),
    port: env.KAUDIT_INGEST_PORT,
    bodyLimit: env.KAUDIT_BODY_LIMIT,
    tokens: required(tokens, 'KAUDIT_INGEST_TOKENS'),
    tls,
    clientCertClusters: readClientCertClusters(raw),
    allowPlaintext: env.KAUDIT_ALLOW_PLAINTEXT ?? env.KAUDIT_ALLOW_PLAINTEXT_REMOTE,
    allowPlaintextRemote: env.KAUDIT_ALLOW_PLAINTEXT_REMOTE,
    limits: {
      maxInFlight: env.KAUDIT_INGEST_MAX_INFLIGHT,
      maxInFlightBytes: env.KAUDIT_INGEST_MAX_INFLIGHT_BYTES,
      maxBatchEvents: env.KAUDIT_MAX_BATCH_EVENTS,
      maxEventBytes: env.KAUDIT_MAX_EVENT_BYTES,
      maxDepth: env.KAUDIT_MAX_JSON_DEPTH,
    },
    redactionKey,
    authFailuresPerMinute: env.KAUDIT_AUTH_FAILURES_PER_MINUTE,
    metricsToken: readMetricsToken(raw),
    aks: readAksSource(raw),
    eks: readEksSource(raw),
    gke: readGkePush(raw),
  };
}

export function loadAnalyzerConfig(raw: RawEnv = process.env, redactionKey = readRedactionKey(raw)): AnalyzerConfig {
  const env = parseEnv(raw);
  return { ...commonConfig(env), port: env.KAUDIT_ANALYZER_PORT, rulesFile: env.KAUDIT_RULES_FILE, rbacSnapshot: env.KAUDIT_RBAC_SNAPSHOT, redactionKey, metricsToken: readMetricsToken(raw) };
}

/** The KAUDIT_NOTIFY_SECRET_* variables that are set. */
function notifySecrets(raw: RawEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => e[0].startsWith('KAUDIT_NOTIFY_SECRET_') && e[1] !== undefined && e[1] !== ''));
}

export function loadNotifyConfig(raw: RawEnv = process.env): NotifyConfig {
  const env = parseEnv(raw);
  const notifyFile = setting(raw, 'KAUDIT_NOTIFY_FILE');
  if (notifyFile === undefined) throw configError('KAUDIT_NOTIFY_FILE', 'not set: the notify service delivers to the outputs and routes that file names');
  return { ...commonConfig(env), port: env.KAUDIT_NOTIFY_PORT, notifyFile, notifySecrets: notifySecrets(raw), metricsToken: readMetricsToken(raw) };
}

export function loadStoreConfig(raw: RawEnv = process.env, tokens = readApiTokens(raw)): StoreConfig {
  const env = parseEnv(raw);
  return {
    ...commonConfig(env),
    port: env.KAUDIT_API_PORT,
    dbFile: dbFile(env),
    tokens: required(tokens, 'KAUDIT_API_TOKENS'),
    rulesFile: env.KAUDIT_RULES_FILE,
    retentionDays: env.KAUDIT_RETENTION_DAYS,
    lakeDir: env.KAUDIT_LAKE_DIR,
    rateLimitPerMinute: env.KAUDIT_API_RATE_LIMIT,
    tls: readTls(raw),
    authFailuresPerMinute: env.KAUDIT_AUTH_FAILURES_PER_MINUTE,
    metricsToken: readMetricsToken(raw),
  };
}

/** The export CLI reads only KAUDIT_DB_FILE / KAUDIT_DATA_DIR / KAUDIT_LOG_LEVEL. */
export function loadExportConfig(raw: RawEnv = process.env): ExportConfig {
  const picked: RawEnv = {
    KAUDIT_DB_FILE: raw.KAUDIT_DB_FILE,
    KAUDIT_DATA_DIR: raw.KAUDIT_DATA_DIR,
    KAUDIT_LOG_LEVEL: raw.KAUDIT_LOG_LEVEL,
  };
  const env = parseEnv(picked);
  return { logLevel: env.KAUDIT_LOG_LEVEL, dbFile: dbFile(env) };
}

/** `npm run replay -- --from-kafka`: the bus to read the events topic from (Kafka, else the embedded log). */
export interface ReplayEnvConfig {
  logLevel: CommonConfig['logLevel'];
  /** the bus `--from-kafka` reads */
  bus: CommonConfig['bus'];
  /** KAUDIT_REDACTION_KEY(_FILE): give the live analyzer's key for the same markers */
  redactionKey: Buffer | undefined;
  /** KAUDIT_MAX_EVENT_BYTES, KAUDIT_MAX_JSON_DEPTH: the webhook's limits for one event */
  limits: { maxEventBytes: number; maxDepth: number };
}
export function loadReplayEnvConfig(raw: RawEnv = process.env): ReplayEnvConfig {
  const env = parseEnv(raw);
  const common = commonConfig(env);
  return { logLevel: common.logLevel, bus: common.bus, redactionKey: readRedactionKey(raw), limits: { maxEventBytes: env.KAUDIT_MAX_EVENT_BYTES, maxDepth: env.KAUDIT_MAX_JSON_DEPTH } };
}

/** All services in one process; missing token lists may be supplied (generated) by the caller. */
export function loadStandaloneConfig(
  raw: RawEnv = process.env,
  fallbackTokens: (dataDir: string) => { ingest: IngestToken[]; api: ApiToken[] } = () => {
    throw configError('KAUDIT_INGEST_TOKENS', 'not set');
  },
  fallbackRedactionKey: (dataDir: string) => Buffer | undefined = () => undefined,
): StandaloneConfig {
  const env = parseEnv(raw);
  const ingest = readIngestTokens(raw);
  const api = readApiTokens(raw);
  const generated = ingest === undefined || api === undefined ? fallbackTokens(commonConfig(env).dataDir) : undefined;
  const redactionKey = readRedactionKey(raw) ?? fallbackRedactionKey(commonConfig(env).dataDir);
  return {
    ingest: loadIngestConfig(raw, ingest ?? generated?.ingest, redactionKey),
    analyzer: loadAnalyzerConfig(raw, redactionKey),
    store: loadStoreConfig(raw, api ?? generated?.api),
    notifyFile: setting(raw, 'KAUDIT_NOTIFY_FILE'),
    notifySecrets: notifySecrets(raw),
  };
}

/**
 * npm start without a certificate and without KAUDIT_ALLOW_PLAINTEXT: it generates its own (a real
 * kube-apiserver sends no credentials over plain HTTP, so the default must be TLS).
 */
export const needsGeneratedTls = (config: StandaloneConfig): boolean => config.ingest.tls === undefined && !config.ingest.allowPlaintext;

/** The configuration with generated TLS material: ingest and the query API serve HTTPS, ingest takes the generated client certificates. */
export function withGeneratedTls(config: StandaloneConfig, generated: { tls: TlsConfig; clientCertClusters: ReadonlyMap<string, string> }): StandaloneConfig {
  // a mapping the operator configured wins over a generated one
  const clientCertClusters = new Map([...generated.clientCertClusters, ...config.ingest.clientCertClusters]);
  return {
    ...config,
    ingest: { ...config.ingest, tls: generated.tls, clientCertClusters },
    store: { ...config.store, tls: generated.tls },
  };
}
