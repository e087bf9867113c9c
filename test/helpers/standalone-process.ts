// `npm start`'s process (the built standalone entry point) in a directory of its own, ready once /readyz
// answers 200 on both ports; `fetch` speaks HTTPS with its generated CA unless it runs plain HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#shared/testing';
import { freePort } from './free-port.js';
import { fetchWithCa, type SmallResponse } from './https-fetch.js';
import { waitFor } from './wait-for.js';

const main = path.join(repoRoot, 'dist', 'services', 'standalone', 'src', 'main.js');

export interface Started {
  child: ChildProcess;
  cwd: string;
  ingest: string;
  api: string;
  output: () => string;
  /** fetch against its ports: over HTTPS with its generated CA, unless it runs plain HTTP */
  fetch: (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<SmallResponse | Response>;
}

/** Every process started; the caller stops them (stopAll) after each test. */
const children: ChildProcess[] = [];

export async function startStandalone(cwd: string, env: Record<string, string> = {}, ports?: { ingest: number; api: number }): Promise<Started> {
  // A free port can be taken by another process (an outgoing connection's ephemeral port, a parallel test)
  // between freePort() and the child's listen: then try other free ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(cwd, env, ports);
    } catch (err) {
      if (ports !== undefined || attempt === 3 || !(err as Error).message.includes('EADDRINUSE')) throw err;
    }
  }
}

async function startOnce(cwd: string, env: Record<string, string>, ports?: { ingest: number; api: number }): Promise<Started> {
  const ingestPort = ports?.ingest ?? (await freePort());
  const apiPort = ports?.api ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, [main], {
    cwd,
    env: { PATH: process.env.PATH, KAUDIT_INGEST_PORT: String(ingestPort), KAUDIT_API_PORT: String(apiPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const scheme = env.KAUDIT_ALLOW_PLAINTEXT === 'true' ? 'http' : 'https';
  let ca: string | undefined;
  const s: Started = {
    child,
    cwd,
    ingest: `${scheme}://127.0.0.1:${String(ingestPort)}`,
    api: `${scheme}://127.0.0.1:${String(apiPort)}`,
    output: () => out,
    fetch: (url, init = {}) => {
      if (scheme === 'http') return fetch(url, init);
      ca ??= readFileSync(path.join(cwd, 'data', 'tls', 'ca.crt'), 'utf8');
      return fetchWithCa(url, { ...init, ca });
    },
  };
  // a child that exits before it is ready fails the start at once, with its output
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code) => { reject(new Error(`exited ${String(code)}: ${out}`)); });
  });
  exited.catch(() => undefined);
  await Promise.race([
    exited,
    waitFor(
      async () => {
        const [a, b] = await Promise.all([s.fetch(`${s.ingest}/readyz`), s.fetch(`${s.api}/readyz`)]);
        return a.status === 200 && b.status === 200;
      },
      { what: 'both ports ready', timeoutMs: 30_000 },
    ),
  ]);
  return s;
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/** Kills every process startStandalone started and has not been stopped (for afterEach). */
export async function stopAll(): Promise<void> {
  for (const c of children.splice(0)) await stop(c, 'SIGKILL');
}

/** A token from the generated files under `<cwd>/data` (`prefix`: the entry's start, e.g. `admin:`). */
export const tokenOf = (cwd: string, file: string, prefix = ''): string =>
  readFileSync(path.join(cwd, 'data', file), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(prefix))
    ?.split('=')
    .slice(1)
    .join('=') ?? '';
