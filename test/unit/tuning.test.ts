// The tuning file: per-rule switches, severity overrides, CEL exceptions, lists, custom CEL rules, and
// clear load errors. Uses the Falco anonymous trace from ../shared/corpus as a real event.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyTuning, builtinRules, createEngine, loadTuning, type Tuning } from '#shared/engine';
import { auditEventOf, corpusLines, envelopeOf } from '#shared/testing';

const [anonymous] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
const engineWith = (t: Tuning) => createEngine({ rules: t.rules, settings: t.settings });
const fired = (t: Tuning, event: unknown) => engineWith(t).analyze(envelopeOf(event)).findings;

describe('tuning file', () => {
  it('without a file every built-in rule is enabled at its default severity', () => {
    const t = loadTuning(builtinRules, undefined);
    expect(t.rules).toHaveLength(builtinRules.length);
    expect(t.catalogue.every((r) => r.enabled && r.severity === r.defaultSeverity)).toBe(true);
  });

  it('disables a rule and overrides a severity, and the catalogue says so', () => {
    const t = applyTuning(builtinRules, { rules: { 'anonymous-request-allowed': { severity: 'critical' }, 'stale-token': { enabled: false } } });
    expect(fired(t, anonymous).find((f) => f.ruleId === 'anonymous-request-allowed')?.severity).toBe('critical');
    expect(t.rules.some((r) => r.id === 'stale-token')).toBe(false);
    expect(t.catalogue.find((r) => r.id === 'stale-token')).toMatchObject({ enabled: false });
    expect(t.catalogue.find((r) => r.id === 'anonymous-request-allowed')).toMatchObject({ severity: 'critical', defaultSeverity: 'high' });
  });

  it('drops a finding when a CEL exception over event and record matches', () => {
    const t = applyTuning(builtinRules, {
      rules: { 'anonymous-request-allowed': { exceptions: ['record.clientIp == "192.168.99.1" && event.verb == "create"'] } },
    });
    expect(fired(t, anonymous).map((f) => f.ruleId)).not.toContain('anonymous-request-allowed');
    const other = applyTuning(builtinRules, { rules: { 'anonymous-request-allowed': { exceptions: ['record.clientIp == "10.0.0.1"'] } } });
    expect(fired(other, anonymous).map((f) => f.ruleId)).toContain('anonymous-request-allowed');
  });

  it('runs custom CEL rules over event and record', () => {
    const t = applyTuning(builtinRules, {
      customRules: [
        {
          id: 'namespace-foo-created',
          title: 'Namespace foo created',
          severity: 'low',
          mitre: ['T1610'],
          condition: 'record.derivedVerb == "create" && record.resource == "namespaces" && event.requestObject.metadata.name.startsWith("fo")',
        },
        { id: 'never', title: 'Never', severity: 'info', condition: 'record.responseCode >= 500' },
      ],
    });
    const custom = fired(t, anonymous).filter((f) => f.ruleId === 'namespace-foo-created');
    expect(custom).toHaveLength(1);
    expect(custom[0]).toMatchObject({ severity: 'low', category: 'custom', mitre: ['T1610'], name: 'foo' });
    expect(fired(t, anonymous).some((f) => f.ruleId === 'never')).toBe(false);
    expect(t.catalogue.find((r) => r.id === 'namespace-foo-created')).toMatchObject({ custom: true, enabled: true });
  });

  it('counts a runtime type error in CEL as no match, never a crash', () => {
    const t = applyTuning(builtinRules, {
      customRules: [{ id: 'type-error', title: 'Type error', severity: 'low', condition: 'record.user + 1 == 2' }],
      rules: { 'anonymous-request-allowed': { exceptions: ['record.noSuchField == true'] } },
    });
    const findings = fired(t, anonymous);
    expect(findings.some((f) => f.ruleId === 'type-error')).toBe(false);
    expect(findings.some((f) => f.ruleId === 'anonymous-request-allowed')).toBe(true);
    expect(t.errors.counts.get('type-error')).toBe(1);
    expect(t.errors.counts.get('anonymous-request-allowed')).toBe(1);
  });

  it('fails at load with the rule id and position on a CEL syntax error', () => {
    expect(() => applyTuning(builtinRules, { customRules: [{ id: 'broken', title: 'B', severity: 'low', condition: 'record.user ==' }] })).toThrow(
      /customRules\.broken\.condition: invalid CEL: .*Unexpected token.*\^/,
    );
    expect(() => applyTuning(builtinRules, { rules: { 'stale-token': { exceptions: ['event.(('] } } })).toThrow(/rules\.stale-token\.exceptions\[0\]: invalid CEL/);
  });

  it('rejects unknown rules, taken ids, bad severities and unknown keys with the path', () => {
    expect(() => applyTuning(builtinRules, { rules: { 'no-such-rule': { enabled: false } } })).toThrow(/rules\.no-such-rule: no such rule/);
    expect(() => applyTuning(builtinRules, { customRules: [{ id: 'stale-token', title: 'x', severity: 'low', condition: 'true' }] })).toThrow(/taken by a built-in/);
    expect(() => applyTuning(builtinRules, { rules: { 'stale-token': { severity: 'urgent' } } })).toThrow(/rules\.stale-token\.severity/);
    expect(() => applyTuning(builtinRules, { rulez: {} })).toThrow(/rulez|Unrecognized/);
  });

  it('reads lists and thresholds into the rule settings', () => {
    const t = applyTuning(builtinRules, { lists: { allowedRegistries: ['registry.example.com'], breakGlassIdentities: ['breakglass'] }, thresholds: { forbiddenBurst: 3 } });
    expect(t.settings).toMatchObject({ allowedRegistries: ['registry.example.com'], breakGlassIdentities: ['breakglass'], forbiddenBurstThreshold: 3, anonymousScanThreshold: 20 });
  });

  it('lists.publicPaths decides which paths anonymous callers may reach without anonymous-request-allowed firing', () => {
    const anonymousGet = (requestURI: string) =>
      auditEventOf({
      requestURI,
      verb: 'get',
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      sourceIPs: ['203.0.113.9'],
      responseStatus: { code: 200 },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer"' },
    });
    const rule = (t: Tuning, uri: string) => fired(t, anonymousGet(uri)).some((f) => f.ruleId === 'anonymous-request-allowed');
    const defaults = loadTuning(builtinRules, undefined);
    for (const uri of ['/healthz', '/healthz/etcd', '/livez?verbose', '/readyz/', '/version', '/version?timeout=32s']) expect(rule(defaults, uri), uri).toBe(false);
    for (const uri of ['/healthzz', '/versions', '/api/v1/secrets', '/metrics']) expect(rule(defaults, uri), uri).toBe(true);
    const none = applyTuning(builtinRules, { lists: { publicPaths: [] } });
    expect(rule(none, '/version')).toBe(true);
    const withMetrics = applyTuning(builtinRules, { lists: { publicPaths: ['/metrics'] } });
    expect([rule(withMetrics, '/metrics'), rule(withMetrics, '/healthz')]).toEqual([false, true]);
    expect(() => applyTuning(builtinRules, { lists: { publicPaths: ['healthz'] } })).toThrow(/lists\.publicPaths/);
  });

  it('lists.adminRoles extends cluster-admin-binding to a site’s admin-equivalent ClusterRoles', () => {
    const bindingTo = (role: string) =>
      auditEventOf({
      level: 'Request',
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      verb: 'create',
      user: { username: 'jane', groups: ['system:authenticated'] },
      sourceIPs: ['10.0.0.7'],
      objectRef: { resource: 'clusterrolebindings', name: 'ops', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      requestObject: {
        kind: 'ClusterRoleBinding',
        metadata: { name: 'ops' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'User', name: 'mallory' }],
      },
    });
    const rule = (t: Tuning, role: string) => fired(t, bindingTo(role)).find((f) => f.ruleId === 'cluster-admin-binding');
    const defaults = loadTuning(builtinRules, undefined);
    expect(rule(defaults, 'cluster-admin')?.evidence).toMatchObject({ roleRef: { name: 'cluster-admin' } });
    expect(rule(defaults, 'platform-admin')).toBeUndefined();
    const site = applyTuning(builtinRules, { lists: { adminRoles: ['cluster-admin', 'platform-admin'] } });
    expect(rule(site, 'platform-admin')?.summary).toContain('grants ClusterRole platform-admin to User/mallory');
  });

  it('loads a YAML file, and names the file when it is not YAML', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-rules-'));
    const good = path.join(dir, 'rules.yaml');
    writeFileSync(good, 'rules:\n  stale-token:\n    severity: high\ncustomRules:\n  - id: any-delete\n    title: Any delete\n    severity: info\n    condition: record.derivedVerb == "delete"\n');
    const t = loadTuning(builtinRules, good);
    expect(t.catalogue.find((r) => r.id === 'stale-token')?.severity).toBe('high');
    expect(t.rules.some((r) => r.id === 'any-delete')).toBe(true);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules: [unclosed');
    expect(() => loadTuning(builtinRules, bad)).toThrow(bad);
  });
});
