// Debian's Chromium (tools/chromium/chromium.sh installs it when missing), driven headless by playwright-core:
// what the console's browser tests and its benchmark run in. Never a browser a test tool downloads.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

/** tools/chromium/chromium.sh, found from this file whether it runs from the sources or from dist */
function script(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'tools', 'chromium', 'chromium.sh')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'tools', 'chromium', 'chromium.sh');
}

export async function launchChromium(): Promise<Browser> {
  const { stdout } = await promisify(execFile)('bash', [script(), 'path'], { timeout: 10 * 60_000 });
  const executablePath = /^CHROMIUM_PATH=(.+)$/m.exec(stdout)?.[1];
  if (executablePath === undefined) throw new Error(`tools/chromium/chromium.sh path printed no CHROMIUM_PATH:\n${stdout}`);
  return chromium.launch({
    executablePath,
    // CI runs as root (no sandbox there); the closed network refuses Chromium's own connections
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
