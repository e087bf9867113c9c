// Conformance with Panther's k8s detections. Reads ../shared/corpus: Panther's rule tests flattened in
// panther-analysis/panther_k8s_tests.jsonl (expected outcomes in panther-analysis/EXPECTED.md), and Falco's
// traces and falco-k8s-audit/EXPECTED.md for the report. Every native-Event or AKS-wrapped test of a mapped
// Panther rule (test/conformance/panther-mapping.ts) runs through a fresh engine with the default tuning
// (stateful rules at threshold 1 where Panther counts toward a threshold); every disagreement must be listed
// in `knownDisagreements`, and docs/conformance.md must be the report of exactly this run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRules } from '#shared/engine';
import { pantherTests } from '#shared/testing';
import { categoryMeaning, knownDisagreements, pantherRules } from '../conformance/panther-mapping.js';
import { disagreementKey, pantherAgrees, pantherAgreesScoped, refreshCommand, renderReport, reportFile, runFalco, runPanther, type PantherVerdict } from '../conformance/report.js';

const run = runPanther();
const key = (v: PantherVerdict) => disagreementKey(v.sourceFile, v.testName);

/**
 * Agreement is ≥ 95 % once each Panther rule's scope is written as kaudit tuning (its exclusions as CEL
 * exceptions, its lists as lists), the way the Falco suite runs with Falco's allow-lists. With the default
 * tuning kaudit reports more (changes, kube-system identities, …): every such disagreement is listed with
 * its reason in knownDisagreements, and the floor guards against a mass regression.
 */
const minimumScopedAgreement = 0.95;
const minimumDefaultAgreement = 0.75;

describe('Panther mapping table', () => {
  it('has an entry for every Panther rule file in the corpus, and none for a file it does not hold', () => {
    expect(run.unknownFiles).toEqual([]);
    const files = new Set(pantherTests().map((t) => t.source_file));
    expect(Object.keys(pantherRules).filter((f) => !files.has(f))).toEqual([]);
    for (const t of pantherTests()) expect(pantherRules[t.source_file]?.ruleId, t.source_file).toBe(t.rule_id);
  });

  it('maps to built-in rules that exist (a stateful rule that is not implemented must be mapped to null)', () => {
    const ids = new Set(builtinRules.map((r) => r.id));
    for (const [file, m] of Object.entries(pantherRules)) {
      for (const id of m.ours ?? []) expect(ids.has(id), `${file} → ${id} is not in builtinRules: map it to null, "stateful rule not implemented yet"`).toBe(true);
      expect(m.note.length, file).toBeGreaterThan(20);
    }
  });

  it('maps every rule with native-Event tests to a kaudit rule or to null with a reason; GKE-only and Azure activity rules are out of scope', () => {
    for (const [file, m] of Object.entries(pantherRules)) {
      const formats = new Set(pantherTests().filter((t) => t.source_file === file).map((t) => t.format));
      const native = formats.has('k8s_audit_event') || formats.has('azure_diagnostics_wrapped_string');
      expect(m.scope === 'native', file).toBe(native);
      if (!native) expect(m.ours, file).toBeNull();
    }
  });

  it('runs every native-Event and AKS-wrapped test of the mapped rules, and each is a valid audit event', () => {
    const mapped = pantherTests().filter(
      (t) => pantherRules[t.source_file]?.ours != null && (t.format === 'k8s_audit_event' || t.format === 'azure_diagnostics_wrapped_string'),
    );
    expect(run.verdicts).toHaveLength(mapped.length);
    expect(run.verdicts.filter((v) => !v.valid).map(key)).toEqual([]);
  });
});

describe('Panther agreement (../shared/corpus/panther-analysis)', () => {
  it('every disagreement is listed in knownDisagreements, and every listed one still disagrees', () => {
    const unlisted = run.verdicts.filter((v) => !pantherAgrees(v) && !v.known).map((v) => `${key(v)} (Panther ${String(v.expected)}, kaudit fired ${v.fired.join(', ') || 'nothing'})`);
    const nowAgree = run.verdicts.filter((v) => pantherAgrees(v) && v.known).map(key);
    expect(unlisted, 'disagreements missing from knownDisagreements').toEqual([]);
    expect(nowAgree, 'listed in knownDisagreements but now agree: remove them').toEqual([]);
  });

  it('lists only tests that exist and are compared, each with a category and a sentence', () => {
    const compared = new Set(run.verdicts.map(key));
    for (const [k, d] of Object.entries(knownDisagreements)) {
      expect(compared.has(k), `${k} is not a compared Panther test`).toBe(true);
      expect(Object.keys(categoryMeaning)).toContain(d.category);
      expect(d.reason.length, k).toBeGreaterThan(40);
    }
  });

  it(`agrees on at least ${String(minimumScopedAgreement * 100)} % of the mapped tests with Panther's scope as tuning (170 of 177), ${String(minimumDefaultAgreement * 100)} % with the defaults (136)`, () => {
    const scoped = run.verdicts.filter(pantherAgreesScoped).length;
    const defaults = run.verdicts.filter(pantherAgrees).length;
    expect(scoped / run.verdicts.length).toBeGreaterThanOrEqual(minimumScopedAgreement);
    expect(defaults / run.verdicts.length).toBeGreaterThanOrEqual(minimumDefaultAgreement);
    expect([scoped, defaults, run.verdicts.length]).toEqual([170, 136, 177]);
  });

  it("Panther's scope as tuning only resolves listed disagreements: it breaks no test that agrees with the defaults, and its CEL never fails", () => {
    expect(run.verdicts.filter((v) => pantherAgrees(v) && !pantherAgreesScoped(v)).map(key)).toEqual([]);
    expect(run.celErrors).toEqual({});
  });

  it('with the scope as tuning, what still differs is only where kaudit asks more or the event is hand-edited', () => {
    const left = run.verdicts.filter((v) => !pantherAgreesScoped(v));
    expect(left.filter((v) => v.known?.category === 'theirs-narrower').map(key)).toEqual([]);
  });

  it('agreement per mapped Panther rule (default tuning; Panther’s scope as tuning; tests)', () => {
    const perRule: Record<string, [number, number, number]> = {};
    for (const v of run.verdicts) {
      const [agree, scoped, total] = perRule[v.ruleId] ?? [0, 0, 0];
      perRule[v.ruleId] = [agree + (pantherAgrees(v) ? 1 : 0), scoped + (pantherAgreesScoped(v) ? 1 : 0), total + 1];
    }
    expect(perRule).toEqual({
      'Amazon.EKS.AnonymousAPIAccess': [5, 8, 8],
      'Amazon.EKS.Audit.Multiple403': [2, 3, 3],
      'Kubernetes.AdmissionController.Created': [4, 5, 5],
      'Kubernetes.API.AnonymousAccess': [6, 6, 6],
      'Kubernetes.ClientCertificate.Created': [8, 8, 8],
      'Kubernetes.ClusterRoleBinding.Privileged': [4, 8, 8],
      'Kubernetes.Pod.Exec': [4, 4, 4],
      'Kubernetes.Ingress.NoTLS': [4, 6, 6],
      'Kubernetes.Kubectl.CP.Operation': [4, 7, 7],
      'Kubernetes.API.Multiple403.PublicIP': [3, 5, 5],
      'Kubernetes.Pod.SystemNamespace': [6, 8, 8],
      'Kubernetes.Pod.Dangerous.Capabilities': [5, 5, 5],
      'Kubernetes.Pod.Host.IPC': [4, 5, 5],
      'Kubernetes.Pod.Host.Network': [5, 5, 5],
      'Kubernetes.Pod.Host.PID': [4, 4, 4],
      'Kubernetes.Pod.HostPath.Volume': [4, 5, 5],
      'Kubernetes.Pod.Privileged.Created': [6, 7, 7],
      'Kubernetes.Role.NodeProxyPermissions': [5, 7, 8],
      'Kubernetes.Role.PodExec': [5, 7, 7],
      'Kubernetes.Role.Wildcard': [5, 8, 8],
      'Kubernetes.Secret.AccessDenied': [3, 6, 8],
      'Kubernetes.BulkSecretAccess': [4, 4, 7],
      'Kubernetes.Secrets.DumpAllNamespaces': [7, 8, 8],
      'Kubernetes.Service.NodePort.Deployed': [5, 5, 5],
      'Kubernetes.ServiceAccount.TokenCreated': [8, 8, 9],
      'Kubernetes.Pod.StealServiceAccountToken': [9, 10, 10],
      'Kubernetes.SystemRole.Modified': [7, 8, 8],
    });
  });
});

describe('docs/conformance.md', () => {
  it('is the report of the current mappings, rules and corpus', () => {
    const expected = renderReport(runFalco(), run);
    let committed = '';
    try {
      committed = readFileSync(reportFile, 'utf8');
    } catch {
      // missing: compared as empty, so the message below says how to create it
    }
    expect(committed === expected, `docs/conformance.md is stale: run \`${refreshCommand}\` and commit the result`).toBe(true);
  });
});
