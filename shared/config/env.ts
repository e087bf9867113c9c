import path from 'node:path';
import { z } from 'zod';
import { errorMessage } from '#shared/errors';
import { kafkaConnection, kafkaConnectionEnv, type KafkaConnection } from './kafka-connection.js';
import { boolText, brokerList, configError, isTrue, optionalBool } from './values.js';

export { configError };
import { parseApiTokens, parseIngestTokens, valueOrFile, type ApiToken, type IngestToken } from './token-lists.js';

// Every environment variable kaudit reads, validated once. Names are part of the contract (README).
const port = (def: number) => z.coerce.number().int().min(0).max(65_535).default(def);
const bool = (def: boolean) => boolText.default(def ? 'true' : 'false').transform(isTrue);

export const envSchema = z.object({
  KAUDIT_HOST: z.string().min(1).default('127.0.0.1'),
  KAUDIT_INGEST_PORT: port(8765),
  KAUDIT_API_PORT: port(8080),
  /** The analyzer's own port (microservice mode): /healthz, /readyz, /metrics. */
  KAUDIT_ANALYZER_PORT: port(8766),
  /** The notify service's own port (microservice mode): /healthz, /readyz, /metrics. */
  KAUDIT_NOTIFY_PORT: port(8767),
  KAUDIT_DATA_DIR: z.string().min(1).default('./data'),
  KAUDIT_DB_FILE: z.string().min(1).optional(),
  /** Rows older than this many days are deleted in the background; unset keeps everything. */
  KAUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(100_000).optional(),
  /** With a retention: where the days past it go (Parquet by day and cluster) instead of being deleted. */
  KAUDIT_LAKE_DIR: z.string().min(1).optional(),
  KAFKA_BROKERS: brokerList,
  /** TLS and SASL to the brokers (kafka-connection.ts) */
  ...kafkaConnectionEnv.shape,
  KAUDIT_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, dot, underscore and dash')
    .default('kaudit.'),
  KAUDIT_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** retention of the raw `events` topic when kaudit creates it (events as received, credentials redacted by ingest) */
  KAUDIT_EVENTS_RETENTION_HOURS: z.coerce.number().int().min(1).max(87_600).default(168),
  /** the embedded bus: bytes of the events (and DLQ) topic kept for replay once consumed; beyond, oldest segments go first */
  KAUDIT_EVENTS_RETENTION_BYTES: z.coerce.number().int().min(1024 * 1024).default(4 * 1024 * 1024 * 1024),
  /** the embedded bus: bytes of one log segment file (the unit that is deleted or compacted) */
  KAUDIT_BUS_SEGMENT_BYTES: z.coerce.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
  KAUDIT_BODY_LIMIT: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
  KAUDIT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAUDIT_RULES_FILE: z.string().min(1).optional(),
  KAUDIT_RBAC_SNAPSHOT: z.string().min(1).optional(),
  KAUDIT_ALLOW_PLAINTEXT_REMOTE: bool(false),
  /** Plain-HTTP ingest (loopback only unless KAUDIT_ALLOW_PLAINTEXT_REMOTE); unset: refused, except by npm start. */
  KAUDIT_ALLOW_PLAINTEXT: optionalBool,
  /** Webhook requests in flight before ingest sheds load with 429 + Retry-After. */
  KAUDIT_INGEST_MAX_INFLIGHT: z.coerce.number().int().min(1).max(10_000).default(32),
  /** Request bytes in flight (declared sizes; unknown sizes count as KAUDIT_BODY_LIMIT) before ingest sheds load. */
  KAUDIT_INGEST_MAX_INFLIGHT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024 * 1024),
  /** Items of one webhook request; a larger batch gets 413 (kube-apiserver sends 400 by default). */
  KAUDIT_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  /** One event's serialized size; a larger event goes to the DLQ (keep it under the broker's message limit). */
  KAUDIT_MAX_EVENT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(512 * 1024),
  /** Nesting depth of objects and arrays in one event; a deeper event goes to the DLQ. */
  KAUDIT_MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(10_000).default(64),
  /** Query API requests per minute per caller (token, else address). */
  KAUDIT_API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Failed authentications per client address and minute (ingest, query API, /metrics); beyond, the address gets 429. */
  KAUDIT_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
});
export type Env = z.infer<typeof envSchema>;

export interface CommonConfig {
  logLevel: Env['KAUDIT_LOG_LEVEL'];
  host: string;
  dataDir: string;
  bus: BusConfig;
}
export type BusConfig =
  | { kind: 'kafka'; brokers: string[]; topicPrefix: string; partitions: number; eventsRetentionHours: number; connection?: KafkaConnection | undefined }
  | { kind: 'embedded'; dir: string; topicPrefix: string; retention?: EmbeddedRetention };
/** What the embedded bus keeps of a topic's consumed messages (absent: everything, as tests and tools open it). */
export interface EmbeddedRetention {
  /** events and DLQ: kept this long after they were appended, and at most this many bytes */
  keepMs: number;
  keepBytes: number;
  segmentBytes: number;
}


export function parseEnv(env: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const first = result.error.issues[0];
    const variable = String(first?.path[0] ?? 'environment');
    throw configError(variable, first?.message ?? 'invalid');
  }
  return result.data;
}

export function commonConfig(env: Env): CommonConfig {
  const dataDir = path.resolve(env.KAUDIT_DATA_DIR);
  const connection = kafkaConnection(env);
  if (connection !== undefined && env.KAFKA_BROKERS === undefined) {
    throw configError(connection.sasl ? 'KAFKA_SASL_MECHANISM' : 'KAFKA_TLS', 'is set, but KAFKA_BROKERS is not (without it kaudit runs on the embedded bus)');
  }
  const bus: BusConfig = env.KAFKA_BROKERS
    ? {
        kind: 'kafka',
        brokers: env.KAFKA_BROKERS,
        topicPrefix: env.KAUDIT_TOPIC_PREFIX,
        partitions: env.KAUDIT_TOPIC_PARTITIONS,
        eventsRetentionHours: env.KAUDIT_EVENTS_RETENTION_HOURS,
        ...(connection === undefined ? {} : { connection }),
      }
    : {
        kind: 'embedded',
        dir: path.join(dataDir, 'bus'),
        topicPrefix: env.KAUDIT_TOPIC_PREFIX,
        retention: { keepMs: env.KAUDIT_EVENTS_RETENTION_HOURS * 3_600_000, keepBytes: env.KAUDIT_EVENTS_RETENTION_BYTES, segmentBytes: env.KAUDIT_BUS_SEGMENT_BYTES },
      };
  return { logLevel: env.KAUDIT_LOG_LEVEL, host: env.KAUDIT_HOST, dataDir, bus };
}

export function dbFile(env: Env): string {
  return path.resolve(env.KAUDIT_DB_FILE ?? path.join(env.KAUDIT_DATA_DIR, 'kaudit.duckdb'));
}

/** `<name>`, or the content of the file `<name>_FILE` names; an unreadable file is a configuration error. */
function configText(raw: Record<string, string | undefined>, name: string): string | undefined {
  try {
    return valueOrFile(raw, name);
  } catch (err) {
    throw configError(`${name}_FILE`, errorMessage(err));
  }
}

function readList<T>(raw: Record<string, string | undefined>, name: string, parser: (text: string) => T[]): T[] | undefined {
  const text = configText(raw, name);
  if (text === undefined) return undefined;
  try {
    const list = parser(text);
    if (list.length === 0) throw new Error('no entries');
    return list;
  } catch (err) {
    throw configError(name, errorMessage(err));
  }
}

/** Each service reads only the token list it needs, so one malformed list never stops another service. */
export const readIngestTokens = (raw: Record<string, string | undefined>): IngestToken[] | undefined =>
  readList(raw, 'KAUDIT_INGEST_TOKENS', parseIngestTokens);
export const readApiTokens = (raw: Record<string, string | undefined>): ApiToken[] | undefined =>
  readList(raw, 'KAUDIT_API_TOKENS', parseApiTokens);

/** Server certificate and key (PEM) for ingest and the query API, and the CA bundle for ingest's client certificates. */
export interface TlsConfig {
  cert: string;
  key: string;
  /** CA bundle that signs the clusters' client certificates; absent: bearer tokens only. */
  clientCa: string | undefined;
}

function pem(raw: Record<string, string | undefined>, name: string): string | undefined {
  const text = configText(raw, name);
  if (text === undefined || text.trim() === '') return undefined;
  if (!text.includes('-----BEGIN ')) throw configError(name, 'expected PEM (-----BEGIN …-----)');
  return text;
}

/** KAUDIT_TLS_CERT / KAUDIT_TLS_KEY / KAUDIT_TLS_CLIENT_CA (each also as _FILE); undefined when no certificate is set. */
export function readTls(raw: Record<string, string | undefined>): TlsConfig | undefined {
  const cert = pem(raw, 'KAUDIT_TLS_CERT');
  const key = pem(raw, 'KAUDIT_TLS_KEY');
  const clientCa = pem(raw, 'KAUDIT_TLS_CLIENT_CA');
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw configError('KAUDIT_TLS_CLIENT_CA', 'client certificates need TLS: set KAUDIT_TLS_CERT and KAUDIT_TLS_KEY too');
    return undefined;
  }
  if (cert === undefined) throw configError('KAUDIT_TLS_CERT', 'not set (KAUDIT_TLS_KEY is)');
  if (key === undefined) throw configError('KAUDIT_TLS_KEY', 'not set (KAUDIT_TLS_CERT is)');
  return { cert, key, clientCa };
}

/** KAUDIT_INGEST_CLIENT_CERTS: `<certificate subject CN>=<cluster>,…`, which client certificate speaks for which cluster. */
export function readClientCertClusters(raw: Record<string, string | undefined>): Map<string, string> {
  const text = raw.KAUDIT_INGEST_CLIENT_CERTS?.trim();
  const out = new Map<string, string>();
  if (text === undefined || text === '') return out;
  for (const entry of text.split(/[,\n]/).map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.lastIndexOf('=');
    const cn = entry.slice(0, at).trim();
    const cluster = entry.slice(at + 1).trim();
    if (at <= 0 || cn === '' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(cluster)) {
      throw configError('KAUDIT_INGEST_CLIENT_CERTS', `expected <certificate CN>=<cluster>, got ${JSON.stringify(entry)}`);
    }
    out.set(cn, cluster);
  }
  return out;
}

/** KAUDIT_REDACTION_KEY(_FILE): the key of the hashes in redaction markers (≥ 32 characters); undefined when unset. */
export function readRedactionKey(raw: Record<string, string | undefined>): Buffer | undefined {
  const text = configText(raw, 'KAUDIT_REDACTION_KEY')?.trim();
  if (text === undefined || text === '') return undefined;
  if (text.length < 32) throw configError('KAUDIT_REDACTION_KEY', 'must be at least 32 characters (e.g. openssl rand -hex 32)');
  return Buffer.from(text, 'utf8');
}

/** KAUDIT_METRICS_TOKEN(_FILE): the bearer token /metrics then needs (≥ 16 characters, no whitespace); undefined when unset. */
export function readMetricsToken(raw: Record<string, string | undefined>): string | undefined {
  const text = configText(raw, 'KAUDIT_METRICS_TOKEN')?.trim();
  if (text === undefined || text === '') return undefined;
  if (text.length < 16) throw configError('KAUDIT_METRICS_TOKEN', 'must be at least 16 characters (e.g. openssl rand -hex 24)');
  if (/\s/.test(text)) throw configError('KAUDIT_METRICS_TOKEN', 'must not contain whitespace');
  return text;
}
