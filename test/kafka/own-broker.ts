// A dedicated single-node Kafka broker for fault tests (stop it, bring it back), independent of the
// shared broker that test/kafka/global-setup.ts starts for the whole run. Always the local broker of
// tools/kafka-broker/broker.sh (Java 17 + Maven jars): halting a broker needs control over its process.
// Without Java or Maven this throws (with broker.sh's explanation): a fault test must not silently skip.
// This is test code: reading process.env here is intended.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBrokerScript as runScript, type ScriptResult } from './broker-sources.js';

export interface OwnBroker {
  /** host:port of the broker; the same before and after halt/resume */
  brokers: string;
  /** stops the broker process but keeps its data and ports */
  halt(): Promise<void>;
  /** starts the halted broker again on the same data and ports; resolves once it is ready */
  resume(): Promise<void>;
  /** stops the broker (running or halted) and deletes its files; safe to call more than once */
  stop(): Promise<void>;
  /** with `security`: broker.sh's security.env (secured listeners, the test CA, users and passwords) */
  security?: Record<string, string>;
}

/** `NAME=value` lines. */
function envFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

// jar download (first run only) + format + broker start; broker.sh has its own 120 s readiness limit
const START_TIMEOUT_MS = 10 * 60_000;
// 20 s waiting for the ports + 120 s readiness limit in broker.sh
const RESUME_TIMEOUT_MS = 3 * 60_000;
// SIGTERM, then SIGKILL after 30 s in broker.sh
const HALT_STOP_TIMEOUT_MS = 60_000;


function brokersLine(stdout: string): string | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  const brokers = line?.slice('KAFKA_BROKERS='.length).trim();
  return brokers === '' ? undefined : brokers;
}

function failure(what: string, result: ScriptResult, extra = ''): Error {
  const status = result.signal ?? `code ${String(result.code)}`;
  return new Error(`broker.sh ${what} exited with ${status}${extra}\n--- broker.sh stderr ---\n${result.stderr.trimEnd()}`);
}

/**
 * `security`: the broker also opens a SASL_SSL listener (PLAIN, SCRAM-SHA-256/512) and a mutual-TLS one
 * (broker.sh's KAFKA_BROKER_SECURITY).
 */
export async function startOwnBroker({ security = false }: { security?: boolean } = {}): Promise<OwnBroker> {
  const stateDir = path.join(os.tmpdir(), `kaudit-own-kafka-${String(process.pid)}-${randomBytes(4).toString('hex')}`);

  const started = await runScript(['start', stateDir], START_TIMEOUT_MS, 'own-broker', security ? { KAFKA_BROKER_SECURITY: '1' } : {});
  const brokers = brokersLine(started.stdout);
  if (started.code !== 0 || brokers === undefined) {
    // normally broker.sh already cleaned up after a failed start
    await runScript(['stop', stateDir], HALT_STOP_TIMEOUT_MS, 'own-broker').catch(() => undefined);
    const error = failure(`start ${stateDir}`, started, started.code === 0 ? ' without a KAFKA_BROKERS line' : '');
    throw new Error(
      'could not start the dedicated Kafka broker of this fault test with tools/kafka-broker/broker.sh ' +
        '(it needs Java >= 17 and Maven with access to Maven Central; KAFKA_BROKERS or Docker do not help here, ' +
        `because the test must stop and restart the broker process): ${error.message}`,
      { cause: error },
    );
  }

  let stopping: Promise<void> | undefined;
  const run = async (command: 'halt' | 'resume', timeoutMs: number): Promise<ScriptResult> => {
    if (stopping) throw new Error(`broker.sh ${command}: the broker ${brokers} is already stopped`);
    const result = await runScript([command, stateDir], timeoutMs, 'own-broker');
    if (result.code !== 0) throw failure(`${command} ${stateDir}`, result);
    return result;
  };

  return {
    brokers,
    ...(security ? { security: envFile(path.join(stateDir, 'security.env')) } : {}),
    async halt() {
      await run('halt', HALT_STOP_TIMEOUT_MS);
    },
    async resume() {
      const result = await run('resume', RESUME_TIMEOUT_MS);
      const again = brokersLine(result.stdout);
      if (again !== brokers) {
        throw failure(`resume ${stateDir}`, result, ` with KAFKA_BROKERS=${again ?? '(none)'} instead of ${brokers}`);
      }
    },
    stop() {
      stopping ??= runScript(['stop', stateDir], HALT_STOP_TIMEOUT_MS, 'own-broker').then((result) => {
        if (result.code !== 0) throw failure(`stop ${stateDir}`, result);
      });
      return stopping;
    },
  };
}
