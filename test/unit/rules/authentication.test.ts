// Authentication rules. The test reads ../shared/corpus for real and peer-written events: Panther's tests
// (panther-analysis/panther_k8s_tests.jsonl, native Events and AKS diagnostic records), Falco traces and the
// audit2rbac capture. The other events are written from the Kubernetes documentation (Authenticating,
// Kubelet authentication/authorization, TLS bootstrapping, User impersonation, the audit and authentication
// docs for the stateful anonymous-scan).
import { describe, expect, it } from 'vitest';
import { createEngine, defaultRuleSettings } from '#shared/engine';
import { corpusLines, pantherEvent, pantherTests } from '#shared/testing';
import { admin, anon403, auditEvent, bootstrapper, ciBot, controllerManager, eventAt, everyRuleFired, fire, identity, jane, node1, pantherCases, plainRequest, podServiceAccount, ruleFindings, statefulEngine } from './helpers.js';

const { fired, findingOf } = identity;
const masters = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const anonymous = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

describe('anonymous-request-allowed', () => {
  it('fires on the Falco anonymous namespace creation', () => {
    const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
    expect(everyRuleFired(event)).toContain('anonymous-request-allowed');
  });
  it('fires on Panther "Anonymous API Access" and not on "Non-Anonymous API Access"', () => {
    expect(everyRuleFired(pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'Anonymous API Access'))).toContain(
      'anonymous-request-allowed',
    );
    expect(everyRuleFired(pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'Non-Anonymous API Access'))).not.toContain(
      'anonymous-request-allowed',
    );
  });
  it('ignores health and version probes, and denied requests', () => {
    expect(everyRuleFired(pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'ELB Health Check from 10.0.0.0/8'))).toEqual([]);
    const anon = { ...plainRequest, user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } };
    expect(everyRuleFired({ ...anon, requestURI: '/version' })).toEqual([]);
    expect(everyRuleFired({ ...anon, requestURI: '/livez?verbose' })).toEqual([]);
    expect(everyRuleFired({ ...anon, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } })).toEqual([]);
    expect(everyRuleFired(anon)).toEqual(['anonymous-request-allowed']);
  });
  it('treats the group system:unauthenticated as anonymous', () => {
    const event = { ...plainRequest, user: { username: 'someone', groups: ['system:unauthenticated'] }, annotations: { 'authorization.k8s.io/decision': 'allow' } };
    expect(everyRuleFired(event)).toEqual(['anonymous-request-allowed']);
  });
});

describe('anonymous-kubelet-access', () => {
  // Kubelet authn/authz docs: with --anonymous-auth=true (the default) and --authorization-mode=Webhook,
  // the kubelet authorizes callers with SubjectAccessReviews about `nodes` subresources.
  it('fires on an allowed anonymous proxy to a node, also via the deprecated /api/v1/proxy prefix', () => {
    const proxy = auditEvent({
      user: anonymous,
      requestURI: '/api/v1/nodes/node-1/proxy/stats/summary',
      objectRef: { resource: 'nodes', name: 'node-1', subresource: 'proxy', apiVersion: 'v1' },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "oops"' },
    });
    expect(findingOf(proxy, 'anonymous-kubelet-access')).toMatchObject({
      severity: 'critical',
      evidence: { via: 'node-subresource', node: 'node-1', subresource: 'proxy', decision: 'allow' },
    });
    expect(fired(auditEvent({ user: anonymous, requestURI: '/api/v1/proxy/nodes/node-1/pods' }))).toContain('anonymous-kubelet-access');
  });

  it('does not fire when the anonymous proxy was denied, or for authenticated callers on the secure port', () => {
    const denied = auditEvent({
      user: anonymous,
      requestURI: '/api/v1/nodes/node-1/proxy/pods',
      responseStatus: { code: 403 },
      annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
    });
    expect(fired(denied)).not.toContain('anonymous-kubelet-access');
    expect(fired(auditEvent({ user: admin, requestURI: '/api/v1/nodes/node-1:10250/proxy/metrics' }))).not.toContain('anonymous-kubelet-access');
    expect(fired(auditEvent({ user: anonymous, requestURI: '/api/v1/nodes/node-1', responseStatus: { code: 200 } }))).not.toContain(
      'anonymous-kubelet-access',
    );
  });

  const sar = (spec: Record<string, unknown>, status: Record<string, unknown> | undefined, user: unknown = node1) => {
    const object = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec };
    return auditEvent({
      level: status ? 'RequestResponse' : 'Request',
      verb: 'create',
      user,
      userAgent: 'kubelet/v1.31.0 (linux/amd64) kubernetes/9b2b3a1',
      requestURI: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      objectRef: { resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      requestObject: { ...object, status: { allowed: false } },
      ...(status ? { responseObject: { ...object, status } } : {}),
    });
  };
  const anonymousSpec = {
    resourceAttributes: { verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'node-1' },
    user: 'system:anonymous',
    groups: ['system:unauthenticated'],
  };

  it('fires when a kubelet is told by SubjectAccessReview that an anonymous caller may use its API', () => {
    expect(findingOf(sar(anonymousSpec, { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "anon-nodes"' }), 'anonymous-kubelet-access')).toMatchObject({
      evidence: { via: 'kubelet-subjectaccessreview', node: 'node-1', sarUser: 'system:anonymous', allowed: true },
    });
    // Only the group recorded (any username in system:unauthenticated is anonymous).
    const groupOnly = { resourceAttributes: anonymousSpec.resourceAttributes, user: 'someone', groups: ['system:unauthenticated'] };
    expect(fired(sar(groupOnly, { allowed: true }))).toContain('anonymous-kubelet-access');
  });

  it('fires with allowed: null when the level recorded the question but not the answer', () => {
    expect(findingOf(sar(anonymousSpec, undefined), 'anonymous-kubelet-access')?.evidence).toMatchObject({ allowed: null });
  });

  it('does not fire when the answer is no, the subject is authenticated, or the reviewer is not a kubelet', () => {
    expect(fired(sar(anonymousSpec, { allowed: false }))).not.toContain('anonymous-kubelet-access');
    const authenticated = { ...anonymousSpec, user: 'system:serviceaccount:monitoring:prometheus', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(fired(sar(authenticated, { allowed: true }))).not.toContain('anonymous-kubelet-access');
    const aggregator = { username: 'system:serviceaccount:kube-system:metrics-server', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(fired(sar(anonymousSpec, { allowed: true }, aggregator))).not.toContain('anonymous-kubelet-access');
    expect(fired(sar({}, { allowed: true }))).not.toContain('anonymous-kubelet-access');
  });

  it('fires on any proxy to the read-only port 10255 (no authentication there), unless the API server refused it', () => {
    expect(findingOf(auditEvent({ user: admin, requestURI: '/api/v1/nodes/node-1:10255/proxy/pods' }), 'anonymous-kubelet-access')?.evidence).toMatchObject({
      via: 'kubelet-read-only-port',
      node: 'node-1:10255',
    });
    expect(fired(auditEvent({ user: admin, requestURI: '/api/v1/proxy/nodes/node-1:10255/stats' }))).toContain('anonymous-kubelet-access');
    const refused = auditEvent({ user: jane, requestURI: '/api/v1/nodes/node-1:10255/proxy/pods', responseStatus: { code: 403 } });
    expect(fired(refused)).not.toContain('anonymous-kubelet-access');
  });

  it('does not fire on any of Panther’s anonymous-access tests (none reaches a node)', () => {
    const tests = pantherCases(['aws_eks_rules/anonymous_api_access.yml', 'kubernetes_rules/k8s_anonymous_api_access.yml']);
    expect(tests.length).toBe(8 + 5 + 1);
    for (const t of tests) expect(fired(t.event), t.name).not.toContain('anonymous-kubelet-access');
  });
});

describe('anonymous-binding-created', () => {
  const binding = (
    resource: 'clusterrolebindings' | 'rolebindings',
    roleRef: Record<string, unknown> | undefined,
    subjects: unknown[],
    { verb = 'create', user = admin, code = 201, level = 'RequestResponse' }: { verb?: string; user?: unknown; code?: number; level?: string } = {},
  ) => {
    const ns = resource === 'rolebindings' ? 'default' : undefined;
    const object = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: resource === 'rolebindings' ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { name: 'b1', ...(ns ? { namespace: ns } : {}) },
      ...(roleRef ? { roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef } } : {}),
      subjects,
    };
    const base = `/apis/rbac.authorization.k8s.io/v1${ns ? `/namespaces/${ns}` : ''}/${resource}`;
    return auditEvent({
      level,
      verb,
      user,
      requestURI: verb === 'create' ? base : `${base}/b1`,
      objectRef: { resource, name: 'b1', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1', ...(ns ? { namespace: ns } : {}) },
      responseStatus: { code },
      ...(level === 'Metadata' ? {} : { requestObject: object }),
    });
  };
  const unauthenticated = { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' };
  const anonymousUser = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' };
  const authenticated = { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' };

  it('fires on bindings to system:unauthenticated or system:anonymous, whatever the role', () => {
    const crb = binding('clusterrolebindings', { kind: 'ClusterRole', name: 'cluster-admin' }, [unauthenticated]);
    expect(findingOf(crb, 'anonymous-binding-created')).toMatchObject({
      severity: 'critical',
      evidence: { binding: 'ClusterRoleBinding', name: 'b1', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:unauthenticated' }] },
    });
    const rb = binding('rolebindings', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', name: 'jane' }, anonymousUser]);
    expect(findingOf(rb, 'anonymous-binding-created')?.evidence.subjects).toEqual([{ kind: 'User', name: 'system:anonymous' }]);
    // Even the discovery roles: the stock binding of system:public-info-viewer is the API server's to make.
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'system:discovery' }, [unauthenticated]))).toContain(
      'anonymous-binding-created',
    );
  });

  it('fires on system:authenticated bound to anything but the discovery roles, also by patch', () => {
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'view' }, [authenticated]))).toContain('anonymous-binding-created');
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'edit' }, [authenticated], { verb: 'update', code: 200 }))).toContain(
      'anonymous-binding-created',
    );
    // A merge patch adding system:unauthenticated (roleRef is immutable, so the patch has none).
    expect(fired(binding('rolebindings', undefined, [unauthenticated], { verb: 'patch', code: 200, level: 'Request' }))).toContain(
      'anonymous-binding-created',
    );
  });

  it('does not fire on the stock discovery bindings, unknown roles, failures, reads or Metadata level', () => {
    for (const role of ['system:discovery', 'system:basic-user', 'system:public-info-viewer']) {
      expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: role }, [authenticated]))).not.toContain('anonymous-binding-created');
    }
    // kube-apiserver reconciling its default ClusterRoleBinding system:public-info-viewer at start-up.
    const apiserver = { username: 'system:apiserver', groups: ['system:masters'] };
    expect(
      fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'system:public-info-viewer' }, [authenticated, unauthenticated], { user: apiserver })),
    ).not.toContain('anonymous-binding-created');
    expect(fired(binding('rolebindings', undefined, [authenticated], { verb: 'patch', code: 200, level: 'Request' }))).not.toContain(
      'anonymous-binding-created',
    );
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'cluster-admin' }, [unauthenticated], { code: 403 }))).not.toContain(
      'anonymous-binding-created',
    );
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'cluster-admin' }, [unauthenticated], { level: 'Metadata' }))).not.toContain(
      'anonymous-binding-created',
    );
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'jane' }]))).not.toContain(
      'anonymous-binding-created',
    );
  });

  it('does not fire on Panther’s privileged ClusterRoleBinding tests (none binds an anonymous subject)', () => {
    const tests = pantherCases(['kubernetes_rules/k8s_clusterrolebinding_privileged.yml']);
    expect(tests.length).toBe(8);
    for (const t of tests) expect(fired(t.event), t.name).not.toContain('anonymous-binding-created');
  });
});

describe('system-masters-used', () => {
  it('fires on every audit2rbac request: system:admin is in system:masters (impersonating or not)', () => {
    const events = corpusLines('audit2rbac/demo.log');
    const findings = events.map((e) => findingOf(e, 'system-masters-used'));
    expect(findings.filter((f) => f !== undefined)).toHaveLength(37);
    expect(findings[0]?.evidence).toMatchObject({ user: 'system:admin', impersonatedUser: 'bob' });
  });

  it('does not fire for configured break-glass identities', () => {
    const breakGlass = createEngine({ settings: { ...defaultRuleSettings, breakGlassIdentities: ['system:admin'] } });
    for (const e of corpusLines('audit2rbac/demo.log')) expect(fired(e, breakGlass)).not.toContain('system-masters-used');
    expect(fired(auditEvent({ user: masters }), breakGlass)).toContain('system-masters-used');
  });

  it('fires on EKS’s system:masters mapping and the Falco/minikube traces', () => {
    const eks = pantherEvent('aws_eks_rules/source_ip_multiple_403.yml', 'Not 403');
    expect(findingOf(eks, 'system-masters-used')?.evidence).toMatchObject({ user: 'kubernetes-admin' });
    const [minikube] = corpusLines('falco-k8s-audit/minikube_creates_namespace_foo.json');
    expect(fired(minikube)).toContain('system-masters-used');
  });

  it('does not fire for the API server loopback client or without the group', () => {
    expect(fired(auditEvent({ user: { username: 'system:apiserver', uid: 'u', groups: ['system:masters'] } }))).not.toContain('system-masters-used');
    expect(fired(auditEvent({ user: admin }))).not.toContain('system-masters-used');
  });

  it('yields one finding per request: the stages of one auditID share the finding id', () => {
    const complete = auditEvent({ user: masters });
    const started = { ...complete, stage: 'ResponseStarted' };
    expect(findingOf(started, 'system-masters-used')?.id).toBe(findingOf(complete, 'system-masters-used')?.id);
  });
});

describe('bootstrap-token-misuse', () => {
  // TLS bootstrapping: the bootstrap token may create CSRs and watch them; kubeadm join also reads the
  // kubeadm-config / kubelet-config / kube-proxy ConfigMaps and gets nodes under RBAC kubeadm grants.
  const as = (over: Record<string, unknown>) => auditEvent({ user: bootstrapper, userAgent: 'kubelet/v1.31.0', ...over });

  it('fires on anything beyond CSRs and discovery, allowed or not', () => {
    const secrets = as({ verb: 'list', requestURI: '/api/v1/namespaces/kube-system/secrets', responseStatus: { code: 403 } });
    expect(findingOf(secrets, 'bootstrap-token-misuse')?.evidence).toMatchObject({
      user: 'system:bootstrap:07401b',
      verb: 'list',
      resource: 'secrets',
      namespace: 'kube-system',
      responseCode: 403,
    });
    expect(fired(as({ verb: 'create', requestURI: '/api/v1/namespaces/default/pods', responseStatus: { code: 201 } }))).toContain('bootstrap-token-misuse');
    expect(fired(as({ verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/coredns' }))).toContain('bootstrap-token-misuse');
    expect(fired(as({ verb: 'update', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1/approval' }))).toContain(
      'bootstrap-token-misuse',
    );
    expect(fired(as({ verb: 'get', requestURI: '/metrics' }))).toContain('bootstrap-token-misuse');
    // The bootstrappers group alone marks a bootstrap identity too.
    expect(fired(auditEvent({ user: { username: 'joiner', groups: ['system:bootstrappers'] }, verb: 'list', requestURI: '/api/v1/pods' }))).toContain(
      'bootstrap-token-misuse',
    );
  });

  it('does not fire on the TLS bootstrap itself, discovery, or kubeadm join’s reads', () => {
    const allowed = [
      as({ verb: 'create', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests', responseStatus: { code: 201 } }),
      as({ verb: 'get', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1' }),
      as({ verb: 'list', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldSelector=metadata.name%3Dnode-csr-1&limit=500' }),
      as({ verb: 'watch', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldSelector=metadata.name%3Dnode-csr-1&watch=true' }),
      as({ verb: 'get', requestURI: '/api' }),
      as({ verb: 'get', requestURI: '/apis/certificates.k8s.io/v1' }),
      as({ verb: 'get', requestURI: '/version?timeout=32s' }),
      as({ verb: 'get', requestURI: '/healthz' }),
      as({ verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/kubeadm-config' }),
      as({ verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/kubelet-config' }),
      as({ verb: 'get', requestURI: '/api/v1/nodes/node-3' }),
    ];
    for (const e of allowed) expect(fired(e), String(e.requestURI)).not.toContain('bootstrap-token-misuse');
    expect(fired(auditEvent({ user: node1, verb: 'list', requestURI: '/api/v1/pods' }))).not.toContain('bootstrap-token-misuse');
  });
});

describe('privileged-impersonation', () => {
  const impersonating = (user: unknown, impersonatedUser: unknown) =>
    auditEvent({ user, impersonatedUser, verb: 'list', requestURI: '/api/v1/namespaces/default/pods' });

  it('does not fire on the audit2rbac capture: a system:masters admin checking what bob, alice and ns1:sa1 may do', () => {
    // Impersonating unprivileged users, and a service account outside kube-system, is the documented way
    // for an administrator to check permissions (kubectl --as); the capture holds nothing else.
    const events = corpusLines('audit2rbac/demo.log');
    for (const e of events) expect(fired(e)).not.toContain('privileged-impersonation');
    expect(events.map((e) => fired(e)).flat().filter((id) => id !== 'system-masters-used')).toEqual([]);
  });

  it('fires when a privileged identity is impersonated, even by an administrator', () => {
    const cases: [unknown, string][] = [
      [{ username: 'system:admin', groups: ['system:authenticated'] }, 'system:admin'],
      [{ username: 'system:kube-controller-manager' }, 'system:kube-controller-manager'],
      [{ username: 'system:node:node-2', groups: ['system:nodes'] }, 'system:node:node-2'],
      [{ username: 'system:serviceaccount:kube-system:replicaset-controller' }, 'system:serviceaccount:kube-system:replicaset-controller'],
      [{ username: 'system:serviceaccount:kube-system:my-operator' }, 'system:serviceaccount:kube-system:my-operator'],
      [{ username: 'bob', groups: ['system:masters', 'system:authenticated'] }, 'group system:masters'],
    ];
    for (const [target, named] of cases) {
      const f = findingOf(impersonating(masters, target), 'privileged-impersonation');
      expect(f?.evidence, named).toMatchObject({ reasons: ['privileged-target'], impersonator: 'kubernetes-admin' });
      expect(f?.summary, named).toContain(named);
    }
  });

  it('fires when a user or service account outside system:masters impersonates anyone', () => {
    expect(findingOf(impersonating(ciBot, { username: 'bob', groups: ['system:authenticated'] }), 'privileged-impersonation')?.evidence).toMatchObject({
      reasons: ['non-admin-impersonator'],
      impersonator: 'system:serviceaccount:ci:deployer',
      impersonatedUser: 'bob',
    });
    expect(findingOf(impersonating(admin, { username: 'system:admin' }), 'privileged-impersonation')?.evidence.reasons).toEqual([
      'privileged-target',
      'non-admin-impersonator',
    ]);
  });

  it('does not fire without impersonation, or for an administrator impersonating an ordinary user', () => {
    expect(fired(auditEvent({ user: jane }))).not.toContain('privileged-impersonation');
    expect(fired(impersonating(masters, { username: 'jane', groups: ['developers', 'system:authenticated'] }))).not.toContain('privileged-impersonation');
    // Control-plane components are neither targets nor "non-admin" impersonators.
    expect(fired(impersonating(controllerManager, { username: 'jane' }))).not.toContain('privileged-impersonation');
  });
});

describe('anonymous-scan', () => {
  // That a redelivered event counts once is checked with forbidden-burst, for both rules (authorization.test.ts).
  it('the Nth rejected anonymous request from one IP within 5 minutes, once per window', () => {
    const e = statefulEngine();
    expect(fire(e, anon403(0))).not.toContain('anonymous-scan');
    expect(fire(e, anon403(1))).not.toContain('anonymous-scan');
    expect(fire(e, anon403(2))).toContain('anonymous-scan');
    expect(fire(e, anon403(3))).not.toContain('anonymous-scan');
  });
  it('not across IPs, nor spread over more than 5 minutes', () => {
    const e = statefulEngine();
    fire(e, anon403(0, '198.51.100.1'));
    fire(e, anon403(1, '198.51.100.2'));
    expect(fire(e, anon403(2, '198.51.100.3'))).not.toContain('anonymous-scan');
    const f = statefulEngine();
    fire(f, anon403(0));
    fire(f, anon403(6));
    expect(fire(f, anon403(12))).not.toContain('anonymous-scan');
  });
  it('counts 401s that kube-apiserver audits with an empty user (failed authentication)', () => {
    const e = statefulEngine();
    const failed = (m: number) => eventAt(m, { user: {}, sourceIPs: ['203.0.113.50'], responseStatus: { code: 401 }, annotations: {} });
    fire(e, failed(0));
    fire(e, failed(1));
    expect(fire(e, failed(2))).toContain('anonymous-scan');
  });
});

// --- Panther: the rules of identityRules (authentication, credentials, CSRs) over all of its tests ------
describe('Panther agreement', () => {
  it('no other Panther test sets off these rules, except system:masters credentials (EKS admin, AKS masterclient)', () => {
    const all = pantherTests().map((t) => t.source_file);
    const hits = new Map<string, string[]>();
    for (const c of pantherCases([...new Set(all)])) {
      const ids = fired(c.event);
      if (ids.length > 0) hits.set(`${c.file} | ${c.name}`, ids);
    }
    const cert = 'kubernetes_rules/k8s_client_certificate_created.yml';
    const token = 'kubernetes_rules/k8s_serviceaccount_token_created.yml';
    expect(Object.fromEntries(hits)).toEqual({
      [`${cert} | EKS client certificate CSR created`]: ['csr-client-cert-requested'],
      [`${cert} | AKS client certificate CSR created`]: ['csr-client-cert-requested'],
      [`${cert} | Service account creating certificate (higher severity)`]: ['csr-client-cert-requested'],
      [`${cert} | AKS node bootstrap CSR (excluded)`]: ['csr-node-mismatch'],
      [`${token} | EKS long-lived token created`]: ['token-minted'],
      [`${token} | AKS long-lived token created`]: ['token-minted'],
      [`${token} | Token created in default namespace`]: ['token-minted'],
      [`${token} | User creating token in system namespace (alert)`]: ['token-minted'],
      'aws_eks_rules/source_ip_multiple_403.yml | Not 403': ['system-masters-used'],
      'aws_eks_rules/system_namespace_public_ip.yml | non-system username': ['system-masters-used'],
      'kubernetes_rules/k8s_exec_into_pod.yml | AKS Exec Into Pod (realistic)': ['system-masters-used'],
    });
  });
});

describe('offensive-tool-user-agent', () => {
  it('fires on the user agents attack and enumeration tools send, allowed or refused', () => {
    const tools = { 'access_matrix/v0.0.0 (linux/amd64) kubernetes/$Format': 'rakkess', 'TruffleHog': 'trufflehog', 'AzureHound/2.1.0': 'azurehound', 'kube-hunter': 'kube-hunter', 'kubectl/v1.29.0 (linux/amd64) kubernetes/kali': 'kali' };
    for (const [ua, tool] of Object.entries(tools)) {
      const [f] = ruleFindings([auditEvent({ userAgent: ua, requestURI: '/api/v1/namespaces/default/pods', objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' } })], 'offensive-tool-user-agent');
      expect(f?.evidence.tools, ua).toEqual([tool]);
    }
    expect(ruleFindings([anon403(0)].map((e) => ({ ...e, userAgent: 'TruffleHog' })), 'offensive-tool-user-agent')).toHaveLength(1);
  });

  it('stays silent for kubectl, controllers and monitoring clients', () => {
    const silent = ['kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc', 'kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/9edcffc/system:serviceaccount:kube-system:deployment-controller', 'Prometheus/2.51.0', 'helm/v3.14.0'].map((ua) => auditEvent({ userAgent: ua }));
    expect(ruleFindings(silent, 'offensive-tool-user-agent')).toEqual([]);
  });
});

describe('new-client-for-identity', () => {
  const at = (m: number, over: Record<string, unknown>) => eventAt(m, over);
  it('learns an identity’s clients, then reports a new one: low, medium for a Secret read or a refusal', () => {
    const sa = podServiceAccount('shop', 'web');
    const events = [
      at(0, { user: sa, userAgent: 'shop-web/1.4.2 (linux/amd64) kubernetes/abc' }),
      at(1, { user: sa, userAgent: 'shop-web/1.4.3 (linux/amd64) kubernetes/abc' }),
      at(2, { user: sa, userAgent: 'curl/8.5.0', requestURI: '/api/v1/namespaces/shop/secrets/db', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' } }),
      at(3, { user: sa, userAgent: 'curl/8.5.0' }),
      at(4, { user: sa, userAgent: 'shop-web/1.4.3 (linux/amd64) kubernetes/abc', responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } }),
      at(5, { user: jane, userAgent: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc' }),
      at(6, { user: jane, userAgent: 'k9s/v0.32.4' }),
    ];
    const found = ruleFindings(events, 'new-client-for-identity');
    expect(found.map((f) => [f.user, f.evidence.client, f.evidence.newClient, f.evidence.newDecision, f.severity])).toEqual([
      ['system:serviceaccount:shop:web', 'curl', true, false, 'medium'],
      ['system:serviceaccount:shop:web', 'shop-web', false, true, 'medium'],
      ['jane', 'k9s', true, false, 'low'],
    ]);
    expect(found[0]?.evidence.knownClients).toEqual(['shop-web']);
  });

  it('does not follow the control plane, nodes or anonymous callers', () => {
    const events = [controllerManager, node1, { username: 'system:anonymous', groups: ['system:unauthenticated'] }].flatMap((user, i) => [at(i, { user, userAgent: 'one/1.0' }), at(i + 0.5, { user, userAgent: 'two/1.0' })]);
    expect(ruleFindings(events, 'new-client-for-identity')).toEqual([]);
  });
});

describe('cluster-config-modified', () => {
  const cm = (verb: string, name: string, user?: Record<string, unknown>) =>
    auditEvent({ verb, requestURI: `/api/v1/namespaces/kube-system/configmaps/${name}`, objectRef: { resource: 'configmaps', namespace: 'kube-system', name, apiVersion: 'v1' }, ...(user ? { user } : {}) });
  it('fires when aws-auth or the DNS configuration is changed or deleted', () => {
    const found = ruleFindings([cm('patch', 'aws-auth', admin), cm('update', 'coredns'), cm('delete', 'kube-dns')], 'cluster-config-modified');
    expect(found.map((f) => [f.evidence.configMap, f.evidence.verb, f.severity])).toEqual([
      ['kube-system/aws-auth', 'patch', 'high'],
      ['kube-system/coredns', 'update', 'high'],
      ['kube-system/kube-dns', 'delete', 'high'],
    ]);
    expect(found[0]?.summary).toBe('kubernetes-admin patched ConfigMap kube-system/aws-auth.');
  });

  it('stays silent for reads, other ConfigMaps, the control plane and CoreDNS’s own account; the list is tunable', () => {
    const silent = [cm('get', 'aws-auth'), cm('patch', 'kube-proxy'), cm('update', 'coredns', controllerManager), cm('update', 'coredns', podServiceAccount('kube-system', 'coredns')), { ...cm('patch', 'aws-auth'), responseStatus: { code: 403 } }];
    expect(ruleFindings(silent, 'cluster-config-modified')).toEqual([]);
    expect(ruleFindings([cm('patch', 'kube-proxy')], 'cluster-config-modified', { protectedConfigMaps: ['kube-system/kube-proxy'] })).toHaveLength(1);
  });
});

// A kubelet registers its Node with POST /api/v1/nodes as system:node:<name> (kubelet's registerWithAPIServer).
describe('node-registered-unexpected', () => {
  const register = (name: string, user: Record<string, unknown>, over: Record<string, unknown> = {}) =>
    auditEvent({ verb: 'create', requestURI: '/api/v1/nodes', objectRef: { resource: 'nodes', name, apiVersion: 'v1' }, user, sourceIPs: ['10.0.3.4'], userAgent: 'kubelet/v1.31.0 (linux/amd64) kubernetes/abc', responseStatus: { code: 201 }, ...over });
  it('fires when a kubelet registers another node’s name, or an identity that is no kubelet creates a Node', () => {
    const found = ruleFindings([register('node-2', node1), register('virtual-node', jane)], 'node-registered-unexpected');
    expect(found.map((f) => [f.evidence.node, f.evidence.reasons, f.severity])).toEqual([
      ['node-2', ['another-node'], 'high'],
      ['virtual-node', ['not-a-kubelet'], 'high'],
    ]);
    const refused = ruleFindings([register('node-2', node1, { responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } })], 'node-registered-unexpected');
    expect(refused.map((f) => [f.severity, f.evidence.refused])).toEqual([['medium', true]]);
  });

  it('checks names and addresses against expectedNodeNames and nodeNetworks when they are set', () => {
    const settings = { expectedNodeNames: ['node-*', '*.compute.internal'], nodeNetworks: ['10.0.0.0/16', 'fd00::/8'] };
    const rogue = { username: 'system:node:rogue', groups: ['system:nodes', 'system:authenticated'] };
    const found = ruleFindings([register('rogue', rogue), register('node-1', node1, { sourceIPs: ['203.0.113.7'] })], 'node-registered-unexpected', settings);
    expect(found.map((f) => f.evidence.reasons)).toEqual([['name-not-expected'], ['address-not-expected']]);
    expect(ruleFindings([register('node-1', node1), register('node-1', node1, { sourceIPs: ['fd00::12'] })], 'node-registered-unexpected', settings)).toEqual([]);
  });

  it('stays silent for a kubelet registering itself, status updates and the control plane', () => {
    const silent = [
      register('node-1', node1),
      register('node-1', node1, { verb: 'patch', requestURI: '/api/v1/nodes/node-1/status', objectRef: { resource: 'nodes', name: 'node-1', subresource: 'status', apiVersion: 'v1' }, responseStatus: { code: 200 } }),
      register('node-9', controllerManager),
    ];
    expect(ruleFindings(silent, 'node-registered-unexpected')).toEqual([]);
  });
});
