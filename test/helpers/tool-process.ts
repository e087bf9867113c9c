// A component the project's own scripts run for the tests (tools/<name>/<name>.sh start|stop STATE_DIR): the
// script installs what it needs, starts the process, prints `NAME=value` lines and stops it again. Its
// watch variable makes it stop the process should this test process die without its teardown.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ToolProcess {
  /** the `NAME=value` lines the script printed */
  values: Record<string, string>;
  stop(): Promise<void>;
}

function run(script: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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

/**
 * Starts tools/<tool>/<tool>.sh; `watchVariable` is the script's name for the PID to watch, `needs` what to
 * say when it fails (what the script needs on this machine).
 */
export async function startTool(tool: string, { watchVariable, needs, env = {}, timeoutMs = 5 * 60_000 }: { watchVariable: string; needs: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ToolProcess> {
  const script = fileURLToPath(new URL(`../../tools/${tool}/${tool}.sh`, import.meta.url));
  const dir = path.join(os.tmpdir(), `kaudit-${tool}-${String(process.pid)}-${randomBytes(4).toString('hex')}`);
  const started = await run(script, ['start', dir], { ...env, [watchVariable]: String(process.pid) }, timeoutMs);
  const values = Object.fromEntries(started.stdout.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  if (started.code !== 0 || Object.keys(values).length === 0) {
    await run(script, ['stop', dir], {}, 30_000).catch(() => undefined);
    throw new Error(`tools/${tool}/${tool}.sh start exited with code ${String(started.code)} (${needs}):\n${started.stderr.trimEnd()}`);
  }
  return {
    values,
    async stop() {
      await run(script, ['stop', dir], {}, 30_000);
    },
  };
}
