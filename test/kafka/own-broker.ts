// A dedicated single-node Kafka broker for fault tests (stop it, bring it back), independent of the
// shared broker that test/kafka/global-setup.ts starts for the whole run. Always the local broker of
// tools/kafka-broker/broker.sh (Java 17 + Maven jars): halting a broker needs control over its process.
// Without Java or Maven this throws (with broker.sh's explanation): a fault test must not silently skip.
// This is test code: reading process.env here is intended.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OwnBroker {
  /** host:port of the broker; the same before and after halt/resume */
  brokers: string;
  /** stops the broker process but keeps its data and ports */
  halt(): Promise<void>;
  /** starts the halted broker again on the same data and ports; resolves once it is ready */
  resume(): Promise<void>;
  /** stops the broker (running or halted) and deletes its files; safe to call more than once */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROKER_SCRIPT = path.join(REPO_ROOT, 'tools', 'kafka-broker', 'broker.sh');
// jar download (first run only) + format + broker start; broker.sh has its own 120 s readiness limit
const START_TIMEOUT_MS = 10 * 60_000;
// 20 s waiting for the ports + 120 s readiness limit in broker.sh
const RESUME_TIMEOUT_MS = 3 * 60_000;
// SIGTERM, then SIGKILL after 30 s in broker.sh
const HALT_STOP_TIMEOUT_MS = 60_000;

interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runBrokerScript(args: string[], timeoutMs: number): Promise<ScriptResult> {
  return new Promise<ScriptResult>((resolve, reject) => {
    const child = spawn('bash', [BROKER_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // broker.sh's watchdog stops the broker (halted or not) if this process dies without stop()
      env: { ...process.env, KAFKA_BROKER_WATCH_PID: String(process.pid) },
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
      stderr += `\n[own-broker] broker.sh ${args.join(' ')} timed out after ${String(timeoutMs)} ms, sending SIGTERM\n`;
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

function brokersLine(stdout: string): string | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  const brokers = line?.slice('KAFKA_BROKERS='.length).trim();
  return brokers === '' ? undefined : brokers;
}

function failure(what: string, result: ScriptResult, extra = ''): Error {
  const status = result.signal ?? `code ${String(result.code)}`;
  return new Error(`broker.sh ${what} exited with ${status}${extra}\n--- broker.sh stderr ---\n${result.stderr.trimEnd()}`);
}

export async function startOwnBroker(): Promise<OwnBroker> {
  const stateDir = path.join(os.tmpdir(), `kaudit-own-kafka-${String(process.pid)}-${randomBytes(4).toString('hex')}`);

  const started = await runBrokerScript(['start', stateDir], START_TIMEOUT_MS);
  const brokers = brokersLine(started.stdout);
  if (started.code !== 0 || brokers === undefined) {
    // normally broker.sh already cleaned up after a failed start
    await runBrokerScript(['stop', stateDir], HALT_STOP_TIMEOUT_MS).catch(() => undefined);
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
    const result = await runBrokerScript([command, stateDir], timeoutMs);
    if (result.code !== 0) throw failure(`${command} ${stateDir}`, result);
    return result;
  };

  return {
    brokers,
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
      stopping ??= runBrokerScript(['stop', stateDir], HALT_STOP_TIMEOUT_MS).then((result) => {
        if (result.code !== 0) throw failure(`stop ${stateDir}`, result);
      });
      return stopping;
    },
  };
}
