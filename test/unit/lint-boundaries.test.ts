// The boundaries lint holds (eslint.config.js): services never import each other, nothing reaches into a
// shared module past its index, the engine imports no bus, storage, HTTP, auth, metrics or configuration,
// contracts import nothing of ours. Each case lints a line of code as if it stood in the file named, with
// the project's own import rules (the type-checked rules need a real program and are left out here).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '#shared/testing';

const { default: config } = (await import(pathToFileURL(path.join(repoRoot, 'eslint.config.js')).href)) as { default: Linter.Config[] };
const importRules = config.filter((c) => c.rules !== undefined && 'no-restricted-imports' in c.rules).map((c) => ({ ...(c.files ? { files: c.files } : {}), rules: { 'no-restricted-imports': c.rules?.['no-restricted-imports'] } }));
const eslint = new ESLint({ cwd: repoRoot, overrideConfigFile: true, overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...importRules] as Linter.Config[] });

async function refused(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint boundaries', () => {
  it('refuses a cross-service import from replay and from export', async () => {
    expect(await refused('services/replay/src/x.ts', "import { runStore } from '../../store/src/service.js';\n")).toEqual([expect.stringContaining('services never import each other')]);
    expect(await refused('services/export/src/x.ts', "import { runIngest } from '../../ingest/src/service.js';\n")).toEqual([expect.stringContaining('services never import each other')]);
    expect(await refused('services/ingest/src/x.ts', "import { x } from '../../analyzer/src/consumer.js';\n")).toHaveLength(1);
  });

  it('refuses a deep import into a shared module, from a service and from shared code', async () => {
    expect(await refused('services/store/src/x.ts', "import { x } from '#shared/engine/rbac';\n")).toEqual([expect.stringContaining('#shared/<module>')]);
    expect(await refused('shared/storage/x.ts', "import { x } from '#shared/bus/embedded-log';\n")).toHaveLength(1);
  });

  it('refuses the engine importing storage, the bus, HTTP, auth, metrics or configuration, and contracts importing anything of ours', async () => {
    for (const m of ['storage', 'bus', 'http', 'auth', 'metrics', 'config']) expect(await refused('shared/engine/x.ts', `import { x } from '#shared/${m}';\n`), m).toEqual([expect.stringContaining('pure analysis')]);
    expect(await refused('shared/contracts/x.ts', "import { x } from '#shared/errors';\n")).toEqual([expect.stringContaining('contracts import nothing')]);
  });

  it('allows what the architecture allows', async () => {
    expect(await refused('services/replay/src/x.ts', "import { createEngine } from '#shared/engine';\nimport { openDatabase } from '#shared/storage';\n")).toEqual([]);
    expect(await refused('services/standalone/src/x.ts', "import { runStore } from '../../store/src/service.js';\n")).toEqual([]);
    expect(await refused('shared/engine/x.ts', "import { auditEventSchema } from '#shared/contracts';\n")).toEqual([]);
  });
});
