// engineFromFiles (shared/engine/setup.ts): the engine's only file I/O, the tuning file and the RBAC snapshot.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRules, engineFromFiles, EngineFileError, tuningFromFile } from '#shared/engine';

const dir = mkdtempSync(path.join(tmpdir(), 'kaudit-setup-'));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

const snapshot = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'alice-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice' }] },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-rbac', namespace: 'x' } },
  ],
};

describe('engineFromFiles', () => {
  it('without files: the built-in rules, default settings and no snapshot', async () => {
    const { engine, tuning, snapshot: loaded } = await engineFromFiles({});
    expect(loaded).toBeUndefined();
    expect(engine.rules.map((r) => r.id)).toEqual(builtinRules.map((r) => r.id));
    expect(tuning.catalogue).toHaveLength(builtinRules.length);
  });

  it('loads a snapshot (JSON, or YAML with a BOM) into every cluster and applies the tuning file', async () => {
    const rulesFile = file('rules.yaml', 'rules:\n  forbidden-burst:\n    enabled: false\n');
    for (const rbacSnapshot of [file('rbac.json', JSON.stringify(snapshot)), file('rbac.yaml', `\uFEFFapiVersion: v1\nkind: List\nitems: ${JSON.stringify(snapshot.items)}\n`)]) {
      const { engine, tuning, snapshot: loaded } = await engineFromFiles({ rulesFile, rbacSnapshot });
      expect(loaded).toEqual({ loaded: 2, skipped: 1 });
      const ask = (user: string) => engine.rbac.forCluster('any').evaluate({ user, groups: [], verb: 'get', isResourceRequest: true, apiGroup: '', resource: 'pods', subresource: '', namespace: 'x', name: '', path: '' }).verdict;
      expect([ask('alice'), ask('bob')]).toEqual(['allow', 'deny']);
      expect(engine.rules.map((r) => r.id)).not.toContain('forbidden-burst');
      expect(tuning.catalogue.find((r) => r.id === 'forbidden-burst')?.enabled).toBe(false);
    }
  });

  it('a tuning already loaded wins over rulesFile', async () => {
    const tuning = tuningFromFile(file('off.yaml', 'rules:\n  anonymous-scan:\n    enabled: false\n'));
    const { engine } = await engineFromFiles({ tuning, rulesFile: path.join(dir, 'absent.yaml') });
    expect(engine.rules.map((r) => r.id)).not.toContain('anonymous-scan');
  });

  it('names the file and which setting it is when one cannot be read or applied', async () => {
    const missing = path.join(dir, 'missing.json');
    const err1 = await engineFromFiles({ rbacSnapshot: missing }).catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(EngineFileError);
    expect(err1).toMatchObject({ setting: 'rbacSnapshot', file: missing, message: expect.stringContaining(`cannot load RBAC snapshot ${missing}: `) as unknown });
    const bad = file('bad.yaml', 'rules:\n  no-such-rule:\n    enabled: false\n');
    const err2 = await engineFromFiles({ rulesFile: bad }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(EngineFileError);
    expect(err2).toMatchObject({ setting: 'rulesFile', file: bad, message: expect.stringContaining(`cannot load rules file ${bad}: `) as unknown });
    expect((err2 as EngineFileError).reason).toMatch(/no-such-rule/);
  });
});
