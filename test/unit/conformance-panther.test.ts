// Conformance with Panther's k8s detections. Reads ../shared/corpus: Panther's rule tests flattened in
// panther-analysis/panther_k8s_tests.jsonl (expected outcomes in panther-analysis/EXPECTED.md), and Falco's
// traces and falco-k8s-audit/EXPECTED.md for the report. Every native-Event, AKS-wrapped or GKE test (the
// Cloud Audit Log entry converted into an Event) of a mapped Panther rule (test/conformance/panther-mapping.ts)
// runs through a fresh engine with the default tuning
// (stateful rules at threshold 1 where Panther counts toward a threshold); every disagreement must be listed
// in `knownDisagreements`, and docs/conformance.md must be the report of exactly this run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRules } from '#shared/engine';
import { pantherTests } from '#shared/testing';
import { categoryMeaning, knownDisagreements, pantherRules } from '../conformance/panther-mapping.js';
import { disagreementKey, gkeFormat, pantherAgrees, pantherAgreesScoped, refreshCommand, renderReport, reportFile, runFalco, runPanther, type PantherVerdict } from '../conformance/report.js';

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
/** GKE tests of mapped rules (the 57 GKE entries less those of rules mapped to null or out of scope). */
const GKE_MAPPED = 43;

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

  it('maps every rule with native-Event or GKE tests to a kaudit rule or to null with a reason; Azure activity and enrichment-only rules are out of scope', () => {
    for (const [file, m] of Object.entries(pantherRules)) {
      const formats = new Set(pantherTests().filter((t) => t.source_file === file).map((t) => t.format));
      const native = formats.has('k8s_audit_event') || formats.has('azure_diagnostics_wrapped_string');
      expect(m.scope === 'native', file).toBe(native);
      expect(m.scope === 'gke', file).toBe(!native && formats.has(gkeFormat));
      if (m.scope !== 'native' && m.scope !== 'gke') expect(m.ours, file).toBeNull();
    }
  });

  it('runs every native-Event, AKS-wrapped and GKE test of the mapped rules, and each is a valid audit event (a GKE one once converted)', () => {
    const formats = new Set(['k8s_audit_event', 'azure_diagnostics_wrapped_string', gkeFormat]);
    const mapped = pantherTests().filter((t) => pantherRules[t.source_file]?.ours != null && formats.has(t.format));
    expect(run.verdicts).toHaveLength(mapped.length);
    expect(run.verdicts.filter((v) => v.format === gkeFormat)).toHaveLength(GKE_MAPPED);
    expect(run.verdicts.filter((v) => !v.valid).map(key)).toEqual([]);
  });

  it('converts every GKE entry of the corpus that is a Kubernetes request, and says why the others are not', () => {
    expect(run.gke.total).toBe(57);
    expect(run.gke.converted).toBe(57 - run.gke.notConverted.length);
    const reasons = Object.fromEntries(run.gke.notConverted.map((n) => [disagreementKey(n.sourceFile, n.testName), n.reason]));
    const deploymentManager = 'not a Kubernetes audit log entry: protoPayload.serviceName is "deploymentmanager.googleapis.com", GKE’s is "k8s.io"';
    expect(reasons).toEqual({
      'gcp_k8s_rules/gcp_k8s_cron_job_created_or_modified.yml | create': deploymentManager,
      'gcp_k8s_rules/gcp_k8s_cron_job_created_or_modified.yml | update': deploymentManager,
      'gcp_k8s_rules/gcp_k8s_cron_job_created_or_modified.yml | fail': deploymentManager,
      'gcp_k8s_rules/gcp_k8s_new_daemonset_deployed.yml | privilege-escalation': deploymentManager,
      'gcp_k8s_rules/gcp_k8s_new_daemonset_deployed.yml | fail': deploymentManager,
      'kubernetes_rules/k8s_ioc_activity.yml | Non-K8s GCP Activity (Excluded)': 'not a Kubernetes audit log entry: protoPayload.serviceName is "compute.googleapis.com", GKE’s is "k8s.io"',
      'kubernetes_rules/k8s_system_principal_public_ip.yml | GKE Anonymous Readyz Check via RequestURI':
        'not a Kubernetes audit log entry: methodName "io.k8s.readyz" names no API version and resource, and resourceName is missing',
    });
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

  it(`agrees on at least ${String(minimumScopedAgreement * 100)} % of the mapped tests with Panther's scope as tuning (211 of 220), ${String(minimumDefaultAgreement * 100)} % with the defaults (172)`, () => {
    const scoped = run.verdicts.filter(pantherAgreesScoped).length;
    const defaults = run.verdicts.filter(pantherAgrees).length;
    expect(scoped / run.verdicts.length).toBeGreaterThanOrEqual(minimumScopedAgreement);
    expect(defaults / run.verdicts.length).toBeGreaterThanOrEqual(minimumDefaultAgreement);
    expect([scoped, defaults, run.verdicts.length]).toEqual([211, 172, 220]);
    // the GKE tests on their own: converted entries keep Panther’s verdicts as well as native Events do
    const gke = run.verdicts.filter((v) => v.format === gkeFormat);
    expect([gke.filter(pantherAgreesScoped).length, gke.filter(pantherAgrees).length, gke.length]).toEqual([41, 36, GKE_MAPPED]);
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
      'GCP.K8s.ExecIntoPod': [2, 2, 2],
      'GCP.K8s.Pod.Attached.To.Node.Host.Network': [2, 2, 2],
      'GCP.K8S.Pod.Create.Or.Modify.Host.Path.Volume.Mount': [2, 2, 3],
      'GCP.K8s.Pod.Using.Host.PID.Namespace': [2, 2, 2],
      'GCP.K8S.Privileged.Pod.Created': [4, 6, 6],
      'GCP.K8S.Service.Type.NodePort.Deployed': [3, 3, 3],
      'Kubernetes.AdmissionController.Created': [5, 6, 6],
      'Kubernetes.API.AnonymousAccess': [7, 8, 8],
      'Kubernetes.ClientCertificate.Created': [9, 9, 9],
      'Kubernetes.ClusterRoleBinding.Privileged': [4, 9, 9],
      'Kubernetes.Pod.Exec': [5, 5, 5],
      'Kubernetes.Ingress.NoTLS': [5, 7, 7],
      'Kubernetes.Kubectl.CP.Operation': [5, 8, 8],
      'Kubernetes.API.Multiple403.PublicIP': [4, 6, 6],
      'Kubernetes.Pod.SystemNamespace': [6, 9, 9],
      'Kubernetes.Pod.Dangerous.Capabilities': [6, 6, 6],
      'Kubernetes.Pod.Host.IPC': [5, 6, 6],
      'Kubernetes.Pod.Host.Network': [6, 6, 6],
      'Kubernetes.Pod.Host.PID': [5, 5, 5],
      'Kubernetes.Pod.HostPath.Volume': [5, 6, 6],
      'Kubernetes.Pod.Privileged.Created': [7, 8, 8],
      'Kubernetes.Role.NodeProxyPermissions': [6, 8, 9],
      'Kubernetes.Role.PodExec': [6, 8, 8],
      'Kubernetes.Role.Wildcard': [6, 9, 9],
      'Kubernetes.Secret.AccessDenied': [4, 7, 9],
      'Kubernetes.BulkSecretAccess': [4, 4, 7],
      'Kubernetes.Secrets.DumpAllNamespaces': [8, 9, 9],
      'Kubernetes.Service.NodePort.Deployed': [6, 6, 6],
      'Kubernetes.ServiceAccount.TokenCreated': [8, 8, 9],
      'Kubernetes.Pod.StealServiceAccountToken': [11, 12, 12],
      'Kubernetes.SystemRole.Modified': [7, 8, 9],
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
