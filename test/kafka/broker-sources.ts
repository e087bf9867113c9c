// Where the integration tests get a real Kafka broker from, in order of preference:
//   1. KAFKA_BROKERS from the environment (an already running broker; nothing to stop)
//   2. a Docker engine, through testcontainers (confluentinc/cp-kafka:8.1.0 = Apache Kafka 4.1)
//   3. a local single-node broker from the Maven Central jars with Java 17 (tools/kafka-broker/broker.sh)
// This is test code: reading process.env here is intended.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type BrokerSource = 'env' | 'testcontainers' | 'local';

export interface AcquiredBroker {
  /** comma-separated host:port list, as kafkajs `brokers` wants it after split(',') */
  brokers: string;
  source: BrokerSource;
  stop: () => Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROKER_SCRIPT = path.join(REPO_ROOT, 'tools', 'kafka-broker', 'broker.sh');
const DOCKER_PING_TIMEOUT_MS = 2_000;
const CP_KAFKA_IMAGE = 'confluentinc/cp-kafka:8.1.0';
// jar download (first run only) + format + broker start; broker.sh has its own 120 s readiness limit
const LOCAL_START_TIMEOUT_MS = 10 * 60_000;
const LOCAL_STOP_TIMEOUT_MS = 60_000;

const HOW_TO_FIX =
  'set KAFKA_BROKERS, or run a Docker engine, or install Java 17 + Maven with access to Maven Central';

export async function acquireBroker(log: (msg: string) => void): Promise<AcquiredBroker> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    return { brokers: fromEnv, source: 'env', stop: async () => {} };
  }

  const causes: string[] = [];

  const docker = await probeDocker();
  if (docker.ok) {
    try {
      return await startTestcontainersBroker(log);
    } catch (err) {
      const msg = `testcontainers: ${errorMessage(err)}`;
      causes.push(msg);
      log(`[kafka] Docker answered but the Kafka container failed (${errorMessage(err)}); trying the local broker`);
    }
  } else {
    causes.push(`docker: ${docker.reason}`);
  }

  try {
    log(`[kafka] no KAFKA_BROKERS and ${docker.ok ? 'no working Kafka container' : 'no Docker engine'}: starting a local broker with tools/kafka-broker/broker.sh`);
    return await startLocalBroker(log);
  } catch (err) {
    causes.push(`local broker: ${errorMessage(err)}`);
  }

  throw new Error(`No Kafka broker available for the integration tests: ${HOW_TO_FIX}.\nCause:\n  ${causes.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------
// Docker / testcontainers

type DockerProbe = { ok: true } | { ok: false; reason: string };

type DockerEndpoint = { socketPath: string } | { host: string; port: number };

function dockerEndpoint(): DockerEndpoint | string {
  const dockerHost = process.env.DOCKER_HOST?.trim();
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) {
      const socketPath = dockerHost.slice('unix://'.length);
      return existsSync(socketPath) ? { socketPath } : `DOCKER_HOST socket ${socketPath} does not exist`;
    }
    if (dockerHost.startsWith('tcp://') || dockerHost.startsWith('http://')) {
      const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      return { host: url.hostname, port: url.port ? Number(url.port) : 2375 };
    }
    return `unsupported DOCKER_HOST ${dockerHost}`;
  }
  const socketPath = '/var/run/docker.sock';
  return existsSync(socketPath) ? { socketPath } : 'DOCKER_HOST is not set and /var/run/docker.sock does not exist';
}

/** GET /_ping must answer "OK" within 2 s; a socket that accepts and never answers does not hang. */
export async function probeDocker(timeoutMs = DOCKER_PING_TIMEOUT_MS): Promise<DockerProbe> {
  const endpoint = dockerEndpoint();
  if (typeof endpoint === 'string') return { ok: false, reason: endpoint };

  return new Promise<DockerProbe>((resolve) => {
    let settled = false;
    const finish = (result: DockerProbe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => { finish({ ok: false, reason: `Docker engine did not answer /_ping within ${timeoutMs} ms` }); },
      timeoutMs,
    );
    const req = http.get({ ...endpoint, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === 'OK') finish({ ok: true });
        else finish({ ok: false, reason: `Docker /_ping answered ${res.statusCode ?? '?'} ${body.slice(0, 200)}` });
      });
      res.on('error', (err) => { finish({ ok: false, reason: `Docker /_ping failed: ${err.message}` }); });
    });
    req.on('error', (err) => { finish({ ok: false, reason: `Docker /_ping failed: ${err.message}` }); });
    req.on('timeout', () => { finish({ ok: false, reason: `Docker engine did not answer /_ping within ${timeoutMs} ms` }); });
  });
}

async function startTestcontainersBroker(log: (msg: string) => void): Promise<AcquiredBroker> {
  log(`[kafka] Docker engine found, starting ${CP_KAFKA_IMAGE} with testcontainers`);
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(CP_KAFKA_IMAGE).start();
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(9093)}`,
    source: 'testcontainers',
    stop: once(async () => {
      await container.stop();
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Local broker from the Maven Central jars

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs tools/kafka-broker/broker.sh; its watchdog stops the broker if this process dies. */
export function runBrokerScript(args: string[], timeoutMs: number, label = 'kafka', extraEnv: Record<string, string> = {}): Promise<ScriptResult> {
  return new Promise<ScriptResult>((resolve, reject) => {
    const child = spawn('bash', [BROKER_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // the script's watchdog stops the broker if this process dies without running the teardown
      env: { ...process.env, ...extraEnv, KAFKA_BROKER_WATCH_PID: String(process.pid) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n[${label}] broker.sh ${args.join(' ')} timed out after ${String(timeoutMs)} ms, sending SIGTERM\n`;
      child.kill('SIGTERM'); // broker.sh cleans up what it started on TERM
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run bash ${BROKER_SCRIPT}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function startLocalBroker(log: (msg: string) => void): Promise<AcquiredBroker> {
  const stateDir = path.join(os.tmpdir(), `kaudit-kafka-${process.pid}-${randomBytes(4).toString('hex')}`);
  const result = await runBrokerScript(['start', stateDir], LOCAL_START_TIMEOUT_MS);
  const line = result.stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  const brokers = line?.slice('KAFKA_BROKERS='.length).trim();
  if (result.code !== 0 || !brokers) {
    log(result.stderr.trimEnd());
    const tail = lastLines(result.stderr, 5);
    // stop whatever may be left (normally broker.sh already cleaned up after itself)
    await runBrokerScript(['stop', stateDir], LOCAL_STOP_TIMEOUT_MS).catch(() => undefined);
    throw new Error(
      `broker.sh start exited with ${result.signal ?? `code ${String(result.code)}`}` +
        (result.code === 0 ? ' without a KAFKA_BROKERS line' : '') +
        (tail ? `:\n${tail}` : ''),
    );
  }
  return {
    brokers,
    source: 'local',
    stop: once(async () => {
      const stopped = await runBrokerScript(['stop', stateDir], LOCAL_STOP_TIMEOUT_MS);
      if (stopped.code !== 0) {
        log(stopped.stderr.trimEnd());
        throw new Error(`broker.sh stop ${stateDir} exited with ${stopped.signal ?? `code ${String(stopped.code)}`}`);
      }
    }),
  };
}

// ---------------------------------------------------------------------------------------------

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
