// Distribution profiles (#18): the tuning file's `distribution` names the platform's own identities and
// namespaces, so platform operators are not "users" to the rules (k3s's supervisor is no system:masters
// finding, an OpenShift operator re-applying its privileged namespace no pod-security-weakened), while what
// people do stays reported, and OpenShift's bootstrap superuser kube:admin raises a finding of its own. The
// corpus's benign real captures (audit2rbac, AKS, PerfSPEC's kubeadm cluster) raise no high or critical
// finding with their profile. Identities as the distributions' documentation names them.
import { describe, expect, it } from 'vitest';
import { severityRank, type Finding } from '#shared/contracts';
import { applyTuning, builtinRules, createEngine, type Tuning } from '#shared/engine';
import { auditEventOf, benignCaptures, envelopeOf } from '#shared/testing';
import { distributions, platformIdentityExempt, platformNamespaceExempt, profiles } from '../../shared/engine/tuning/profiles.js';

const tuned = (distribution?: string, more: Record<string, unknown> = {}) => applyTuning(builtinRules, { ...(distribution === undefined ? {} : { distribution }), ...more });
const findingsOf = (t: Tuning, events: readonly unknown[]): Finding[] => {
  const engine = createEngine({ rules: t.rules, settings: t.settings });
  return events.flatMap((e) => engine.analyze(envelopeOf(e)).findings);
};
const rulesOf = (t: Tuning, event: unknown) => findingsOf(t, [event]).map((f) => f.ruleId).sort();

const masters = (username: string) => auditEventOf({ user: { username, groups: ['system:masters', 'system:authenticated'] }, verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/x', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'x', apiVersion: 'v1' } });
/** A namespace written with an update (the whole object) that carries the enforce label `privileged`. */
const privilegedNamespace = (username: string, namespace: string) =>
  auditEventOf({
    level: 'RequestResponse',
    verb: 'update',
    user: { username, groups: ['system:serviceaccounts', 'system:authenticated'] },
    requestURI: `/api/v1/namespaces/${namespace}`,
    objectRef: { resource: 'namespaces', name: namespace, apiVersion: 'v1' },
    requestObject: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    responseObject: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    responseStatus: { code: 200 },
  });
const privilegedPod = (username: string, namespace: string) =>
  auditEventOf({
    level: 'RequestResponse',
    verb: 'create',
    user: { username, groups: ['system:serviceaccounts', 'system:authenticated'] },
    requestURI: `/api/v1/namespaces/${namespace}/pods`,
    objectRef: { resource: 'pods', namespace, apiVersion: 'v1' },
    requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'sdn-x', namespace }, spec: { containers: [{ name: 'sdn', image: `quay.io/openshift/sdn@sha256:${'a'.repeat(64)}`, securityContext: { privileged: true } }] } },
    responseStatus: { code: 201 },
  });

describe('distribution profiles', () => {
  it('name only rules that exist, for every distribution', () => {
    const ids = new Set(builtinRules.map((r) => r.id));
    for (const id of [...platformIdentityExempt, ...platformNamespaceExempt]) expect(ids.has(id), id).toBe(true);
    for (const d of distributions) expect(() => tuned(d)).not.toThrow();
    expect(() => tuned('rancher')).toThrow(/distribution/);
  });

  it('k3s: its supervisor’s system:masters certificate is no finding; the admin kubeconfig’s user still is', () => {
    expect(rulesOf(tuned(), masters('system:k3s-supervisor'))).toContain('system-masters-used');
    expect(rulesOf(tuned('k3s'), masters('system:k3s-supervisor'))).not.toContain('system-masters-used');
    expect(rulesOf(tuned('k3s'), masters('system:admin'))).toContain('system-masters-used');
  });

  it('openshift: an operator re-applying its privileged namespace is no finding; a person doing it to an application namespace is', () => {
    const operator = 'system:serviceaccount:openshift-monitoring:cluster-monitoring-operator';
    expect(rulesOf(tuned(), privilegedNamespace(operator, 'openshift-monitoring'))).toContain('pod-security-weakened');
    expect(rulesOf(tuned('openshift'), privilegedNamespace(operator, 'openshift-monitoring'))).not.toContain('pod-security-weakened');
    expect(rulesOf(tuned('openshift'), privilegedNamespace('jane', 'shop'))).toContain('pod-security-weakened');
    // a platform namespace changed by someone who is not the platform: silent too (the namespace is the platform's)
    expect(rulesOf(tuned('openshift'), privilegedNamespace('jane', 'openshift-etcd'))).not.toContain('pod-security-weakened');
  });

  it('openshift: the platform’s privileged pods are no finding, an application’s are, and an exec into its etcd is high', () => {
    expect(rulesOf(tuned(), privilegedPod('system:serviceaccount:openshift-sdn:sdn', 'openshift-sdn'))).toContain('privileged-container');
    expect(rulesOf(tuned('openshift'), privilegedPod('system:serviceaccount:openshift-sdn:sdn', 'openshift-sdn'))).not.toContain('privileged-container');
    expect(rulesOf(tuned('openshift'), privilegedPod('system:serviceaccount:shop:deployer', 'shop'))).toContain('privileged-container');
    const exec = auditEventOf({ verb: 'create', stage: 'ResponseStarted', requestURI: '/api/v1/namespaces/openshift-etcd/pods/etcd-master-0/exec?command=sh&container=etcd', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'openshift-etcd', name: 'etcd-master-0', apiVersion: 'v1' }, responseStatus: { code: 101 } });
    expect(findingsOf(tuned('openshift'), [exec]).find((f) => f.ruleId === 'pod-exec')?.severity).toBe('high');
  });

  it('openshift: kube:admin, the install’s bootstrap superuser, raises a finding of its own when used; the file may turn it off', () => {
    const kubeadmin = auditEventOf({ user: { username: 'kube:admin', groups: ['system:cluster-admins', 'system:authenticated'] } });
    const [f] = findingsOf(tuned('openshift'), [kubeadmin]).filter((x) => x.ruleId === 'openshift-kubeadmin-used');
    expect(f).toMatchObject({ severity: 'high', category: 'authentication', user: 'kube:admin' });
    expect(rulesOf(tuned(), kubeadmin)).not.toContain('openshift-kubeadmin-used');
    expect(rulesOf(tuned('openshift', { rules: { 'openshift-kubeadmin-used': { enabled: false } } }), kubeadmin)).not.toContain('openshift-kubeadmin-used');
    expect(() => tuned('openshift', { customRules: [{ id: 'openshift-kubeadmin-used', title: 't', severity: 'low', category: 'custom', condition: 'true' }] })).toThrow(/taken by a rule of the openshift profile/);
  });

  it('gke and eks: the managers and the GKE service agent are platform identities', () => {
    const robot = 'service-123456789012@container-engine-robot.iam.gserviceaccount.com';
    expect(rulesOf(tuned(), privilegedNamespace(robot, 'shop'))).toContain('pod-security-weakened');
    expect(rulesOf(tuned('gke'), privilegedNamespace(robot, 'shop'))).not.toContain('pod-security-weakened');
    expect(rulesOf(tuned('eks'), privilegedNamespace('eks:addon-manager', 'shop'))).not.toContain('pod-security-weakened');
    expect(rulesOf(tuned('eks'), privilegedNamespace('eks-intruder', 'shop'))).toContain('pod-security-weakened');
  });

  it('keep the file’s own break-glass identities beside the profile’s', () => {
    const t = tuned('aks', { lists: { breakGlassIdentities: ['breakglass-admin'] } });
    expect(t.settings.breakGlassIdentities).toEqual(['breakglass-admin', ...profiles.aks.breakGlassIdentities]);
  });

  it('leave no high or critical finding on the corpus’s benign real captures, with their profile', () => {
    const captures = benignCaptures();
    const profileOf = { audit2rbac: 'kubeadm', aks: 'aks', perfspec: 'kubeadm' } as const;
    expect(captures.perfspec.length).toBeGreaterThan(16_000);
    const report: Record<string, { before: Record<string, number>; after: Record<string, number> }> = {};
    const count = (fs: Finding[]) => Object.fromEntries([...new Set(fs.map((f) => `${f.ruleId} (${f.severity})`))].sort().map((k) => [k, fs.filter((f) => `${f.ruleId} (${f.severity})` === k).length]));
    for (const [name, events] of Object.entries(captures)) {
      const before = findingsOf(tuned(), events);
      const after = findingsOf(tuned(profileOf[name as keyof typeof profileOf]), events);
      report[name] = { before: count(before), after: count(after) };
      // The captures are excerpts, not continuous logs: audit2rbac's demo holds only the demo's 37 requests
      // (a 25-minute pause between two), the AKS files are samples of different days. audit-silence reports
      // those gaps low, as the log was sparse before them (a busy log's gap stays high: rules/audit.test.ts).
      const serious = after.filter((f) => severityRank(f.severity) >= severityRank('high'));
      // PerfSPEC's Helm installs: the cluster admin creating admission webhooks and the operators updating
      // their CA bundles are medium (a creation is what every chart with an operator does)
      expect(serious.map((f) => `${f.ruleId} ${f.user}`)).toEqual([]);
    }
    // the AKS resource provider's system:masters requests are the platform's
    expect(report.aks?.before['system-masters-used (medium)']).toBe(11);
    expect(report.aks?.after['system-masters-used (medium)']).toBeUndefined();
    // the gaps of the excerpts: reported, and low
    expect(report.audit2rbac?.after['audit-silence (low)']).toBe(1);
    expect(report.aks?.after['audit-silence (low)']).toBe(1);
  });
});
