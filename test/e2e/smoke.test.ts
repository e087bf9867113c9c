// Every built entry point loads under plain `node` (not vitest's transform): kafkajs is CommonJS and
// a wrong import style only shows up there. Needs `npm run build` first (`npm test` does it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '#shared/testing';

const dist = path.join(repoRoot, 'dist');
const services = ['ingest', 'analyzer', 'store', 'standalone'];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? jsFiles(full) : full.endsWith('.js') ? [full] : [];
  });
}

describe('built entry points', () => {
  it('exist for every service', () => {
    for (const s of services) expect(existsSync(path.join(dist, 'services', s, 'src', 'main.js')), s).toBe(true);
  });

  it('every built module except the mains imports under plain node', () => {
    // entry points run when imported: the service mains (tested below), the benchmark runner and the worker
    // threads' modules (`*-worker.js`, started by the services they belong to)
    const modules = jsFiles(dist).filter((f) => !f.endsWith(`${path.sep}main.js`) && !f.endsWith(path.join('bench', 'run.js')) && !f.endsWith('-worker.js'));
    expect(modules.length).toBeGreaterThan(30);
    const script = `for (const m of ${JSON.stringify(modules)}) await import(m); console.log('imported', ${String(modules.length)});`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(out.trim()).toBe(`imported ${String(modules.length)}`);
  });

  it.each(services)('%s main loads its whole graph and rejects bad configuration with the variable name', (s) => {
    const res = spawnSync(process.execPath, [path.join(dist, 'services', s, 'src', 'main.js')], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, KAUDIT_LOG_LEVEL: 'deafening', KAUDIT_DATA_DIR: path.join(repoRoot, 'data-smoke-never-created') },
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('invalid configuration: KAUDIT_LOG_LEVEL');
    expect(res.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|SyntaxError|does not provide an export/);
  });
});
