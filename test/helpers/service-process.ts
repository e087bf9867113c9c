// A service's built entry point run as its own process (for kill -9 tests), ready once /readyz answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.js';

export async function startServiceProcess(main: string, env: Record<string, string | undefined>, port: number, children: ChildProcess[]): Promise<ChildProcess> {
  // stderr is not kept: a pipe nobody reads would block the child once its buffer is full
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(child);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${main} exited with ${String(child.exitCode)}`);
      return (await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status === 200;
    },
    { what: `${main} ready`, timeoutMs: 60_000 },
  );
  return child;
}
