// moto's server mode (tools/moto/moto.sh: moto[server] from PyPI in a cached virtualenv), the AWS emulator
// the EKS source's tests run against. Without Python the start throws with moto.sh's explanation: the tests
// must not silently skip. This is test code: reading process.env here is intended.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

const script = fileURLToPath(new URL('../../tools/moto/moto.sh', import.meta.url));
// the first run installs moto (a minute or so); later ones start it in a few seconds
const START_TIMEOUT_MS = 5 * 60_000;

/** The fake credentials and region every client of the emulator uses. */
export const motoEnv = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' } as const;

export interface Moto {
  endpoint: string;
  /** a CloudWatch Logs client of the emulator (the cluster's side: it writes the log group) */
  logs: CloudWatchLogsClient;
  stop(): Promise<void>;
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOTO_WATCH_PID: String(process.pid) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const dir = path.join(os.tmpdir(), `kaudit-moto-${String(process.pid)}-${randomBytes(4).toString('hex')}`);
  const started = await run(['start', dir], START_TIMEOUT_MS);
  const endpoint = /^MOTO_ENDPOINT=(\S+)$/m.exec(started.stdout)?.[1];
  if (started.code !== 0 || endpoint === undefined) {
    await run(['stop', dir], 30_000).catch(() => undefined);
    throw new Error(`tools/moto/moto.sh start exited with code ${String(started.code)} (it needs Python >= 3.9 with venv and access to PyPI):\n${started.stderr.trimEnd()}`);
  }
  const logs = new CloudWatchLogsClient({ endpoint, region: motoEnv.AWS_REGION, credentials: { accessKeyId: motoEnv.AWS_ACCESS_KEY_ID, secretAccessKey: motoEnv.AWS_SECRET_ACCESS_KEY } });
  return {
    endpoint,
    logs,
    async stop() {
      logs.destroy();
      await run(['stop', dir], 30_000);
    },
  };
}

/** Creates the log group and its streams (as EKS does when the cluster’s audit log type is on). */
export async function createLogGroup(moto: Moto, group: string, streams: string[]): Promise<void> {
  await moto.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams) await moto.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

/** Writes `messages` to a stream, `timestamp` each (chronological, as PutLogEvents wants), in batches. */
export async function putLogEvents(moto: Moto, group: string, stream: string, events: { timestamp: number; message: string }[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    await moto.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.slice(i, i + 1000) }));
  }
}
