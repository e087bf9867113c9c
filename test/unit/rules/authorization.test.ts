// Authorization rules: RBAC, enumeration, admission control, denials. The hand-written events follow the
// Kubernetes documentation (RBAC, impersonation, admission webhooks, the audit docs for the stateful
// forbidden-burst). This file also reads ../shared/corpus: Falco's k8s_audit traces (outcomes from
// falco-k8s-audit/EXPECTED.md) and Panther's native-Event tests (panther-analysis/panther_k8s_tests.jsonl),
// those of its Ingress and NodePort rules (network) included.
import { describe, expect, it } from 'vitest';
import { unwrapDocument } from '#shared/contracts';
import { createEngine, RuleState } from '#shared/engine';
import { corpusLines, pantherTests } from '#shared/testing';
import { access, admin, anon403, apiRequest, APISERVER, at, eventAt, fire, NAMESPACE_CONTROLLER, podServiceAccount, ruleFindings, statefulEngine, statefulSettings, type AccessRule, type Json, type Req } from './helpers.js';

const { fired, findingOf } = access;

const RBAC = 'rbac.authorization.k8s.io';
const RBAC_V1 = `/apis/${RBAC}/v1`;
const CONTROLLER_MANAGER = 'system:kube-controller-manager';

// ---- RBAC objects ----

const clusterRole = (name: string, rules: Json[]): Json => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules });
const role = (namespace: string, name: string, rules: Json[]): Json => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules });
const createClusterRole = (name: string, rules: Json[], extra: Partial<Req> = {}): Json =>
  apiRequest({ verb: 'create', uri: `${RBAC_V1}/clusterroles`, name, requestObject: clusterRole(name, rules), ...extra });
const createRole = (namespace: string, name: string, rules: Json[], extra: Partial<Req> = {}): Json =>
  apiRequest({ verb: 'create', uri: `${RBAC_V1}/namespaces/${namespace}/roles`, name, namespace, requestObject: role(namespace, name, rules), ...extra });

const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, roleKind: string, roleName: string, subjects: Json[]): Json => ({
  apiVersion: `${RBAC}/v1`,
  kind,
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
  subjects,
});
const user = (name: string): Json => ({ kind: 'User', apiGroup: RBAC, name });
const group = (name: string): Json => ({ kind: 'Group', apiGroup: RBAC, name });
const sa = (namespace: string, name: string): Json => ({ kind: 'ServiceAccount', name, namespace });

describe('permission-enumeration', () => {
  const ssar = (extra: Partial<Req> = {}): Json =>
    apiRequest({
      verb: 'create',
      uri: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      requestObject: { kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'secrets', namespace: 'kube-system' } } },
      responseObject: { kind: 'SelfSubjectAccessReview', metadata: {}, status: { allowed: false } },
      ...extra,
    });

  it('fires on `kubectl auth can-i` (SelfSubjectAccessReview) by a user, with the question asked', () => {
    const f = findingOf(ssar(), 'permission-enumeration');
    expect(f).toMatchObject({ severity: 'low', category: 'authorization', user: 'jane@example.com' });
    expect(f?.evidence).toMatchObject({ resourceAttributes: { verb: 'list', resource: 'secrets', namespace: 'kube-system' }, allowed: false });
    expect(f?.summary).toContain('list secrets in kube-system');
  });

  it('fires on `kubectl auth can-i --list` (SelfSubjectRulesReview) by a workload service account', () => {
    const event = apiRequest({
      verb: 'create',
      uri: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      user: 'system:serviceaccount:default:web',
      requestObject: { kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } },
    });
    expect(fired(event)).toEqual(['permission-enumeration']);
    expect(findingOf(event, 'permission-enumeration')?.evidence).toMatchObject({ namespace: 'default' });
  });

  it('ignores system identities, SubjectAccessReviews about others, and failed requests', () => {
    expect(fired(ssar({ user: CONTROLLER_MANAGER }))).toEqual([]);
    expect(fired(ssar({ user: 'system:serviceaccount:kube-system:cluster-autoscaler' }))).toEqual([]);
    expect(fired(ssar({ user: 'system:node:node-1', groups: ['system:nodes'] }))).toEqual([]);
    // A SubjectAccessReview (the webhook/authorizer flavour) is not self-enumeration.
    expect(fired(ssar({ uri: '/apis/authorization.k8s.io/v1/subjectaccessreviews' }))).toEqual([]);
    expect(fired(ssar({ code: 403 }))).toEqual([]);
  });
});

describe('cluster-admin-binding', () => {
  const createCrb = (roleName: string, subjects: Json[], extra: Partial<Req> = {}): Json =>
    apiRequest({
      verb: 'create',
      uri: `${RBAC_V1}/clusterrolebindings`,
      name: 'ops',
      requestObject: binding('ClusterRoleBinding', 'ops', 'ClusterRole', roleName, subjects),
      ...extra,
    });

  it('fires on Falco attach_cluster_admin_role.json ("Attach to cluster-admin Role")', () => {
    const [event] = corpusLines('falco-k8s-audit/attach_cluster_admin_role.json');
    const f = findingOf(event, 'cluster-admin-binding');
    expect(f).toMatchObject({ severity: 'high', user: 'minikube-user', name: 'some-reader-binding' });
    expect(f?.evidence).toMatchObject({ subjects: ['User/minikube'], roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } });
  });

  it('does not fire on Falco create_clusterrolebinding.json (roleRef system:basic-user)', () => {
    const [event] = corpusLines('falco-k8s-audit/create_clusterrolebinding.json');
    expect(fired(event)).toEqual([]);
  });

  it('fires on a RoleBinding to ClusterRole cluster-admin (full control of the namespace) and names the subjects', () => {
    const event = apiRequest({
      verb: 'create',
      uri: `${RBAC_V1}/namespaces/payments/rolebindings`,
      name: 'ci',
      namespace: 'payments',
      requestObject: binding('RoleBinding', 'ci', 'ClusterRole', 'cluster-admin', [sa('ci', 'deployer')]),
    });
    const f = findingOf(event, 'cluster-admin-binding');
    expect(f?.summary).toContain('ServiceAccount/ci/deployer');
    expect(f?.summary).toContain('namespace payments');
  });

  it('fires when the subjects of a cluster-admin binding are patched (the stored object is in the response)', () => {
    const stored = { ...binding('ClusterRoleBinding', 'ops', 'ClusterRole', 'cluster-admin', [user('mallory')]), metadata: { name: 'ops', resourceVersion: '9' } };
    const event = apiRequest({
      verb: 'patch',
      uri: `${RBAC_V1}/clusterrolebindings/ops`,
      requestObject: { subjects: [user('mallory')] },
      responseObject: stored,
    });
    expect(fired(event)).toEqual(['cluster-admin-binding']);
  });

  it('is about roleRef cluster-admin only: a role bound to group system:masters grants nothing new', () => {
    expect(fired(createCrb('view', [group('system:masters')]))).toEqual([]);
    // A Role named cluster-admin is not the ClusterRole.
    const roleNamedLikeIt = apiRequest({
      verb: 'create',
      uri: `${RBAC_V1}/namespaces/dev/rolebindings`,
      requestObject: binding('RoleBinding', 'x', 'Role', 'cluster-admin', [user('bob')]),
    });
    expect(fired(roleNamedLikeIt)).toEqual([]);
  });

  it('ignores the API server bootstrapping its own cluster-admin binding, failed requests and reads', () => {
    expect(fired(createCrb('cluster-admin', [group('system:masters')], { user: APISERVER, groups: ['system:masters'] }))).toEqual([]);
    expect(fired(createCrb('cluster-admin', [user('mallory')], { code: 403 }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'get', uri: `${RBAC_V1}/clusterrolebindings/cluster-admin` }))).toEqual([]);
  });
});

describe('rbac-wildcard', () => {
  it('fires on Falco create_cluster_role_wildcard_resources.json and _wildcard_verbs.json ("ClusterRole With Wildcard Created")', () => {
    const [resources] = corpusLines('falco-k8s-audit/create_cluster_role_wildcard_resources.json');
    const [verbs] = corpusLines('falco-k8s-audit/create_cluster_role_wildcard_verbs.json');
    expect(findingOf(resources, 'rbac-wildcard')?.evidence).toMatchObject({ wildcards: [{ rule: 0, fields: ['resources'] }] });
    expect(findingOf(verbs, 'rbac-wildcard')?.evidence).toMatchObject({ wildcards: [{ rule: 0, fields: ['verbs'] }] });
  });

  it('does not fire on Falco create_clusterrole.json or create_cluster_role_write_privileges.json (no wildcard)', () => {
    for (const file of ['create_clusterrole.json', 'create_cluster_role_write_privileges.json']) {
      const [event] = corpusLines(`falco-k8s-audit/${file}`);
      expect(fired(event), file).toEqual([]);
    }
  });

  it('counts `*` in apiGroups (as the rule defines it) and `*/subresource` as wildcards, in Roles too', () => {
    expect(fired(createRole('dev', 'r', [{ apiGroups: ['*'], resources: ['deployments'], verbs: ['get'] }]))).toEqual(['rbac-wildcard']);
    expect(fired(createClusterRole('scalers', [{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['update'] }]))).toEqual(['rbac-wildcard']);
  });

  it('ignores status writes, the control plane (bootstrap policy, aggregation controller) and failures', () => {
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }];
    expect(fired(createClusterRole('admin', rules, { user: APISERVER, groups: ['system:masters'] }))).toEqual([]);
    const aggregated = apiRequest({
      verb: 'update',
      uri: `${RBAC_V1}/clusterroles/admin`,
      user: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller',
      requestObject: clusterRole('admin', rules),
    });
    expect(fired(aggregated)).toEqual([]);
    expect(fired(createClusterRole('x', rules, { code: 422 }))).toEqual([]);
    // A Metadata-level event carries no object: nothing to judge.
    expect(fired(apiRequest({ verb: 'create', uri: `${RBAC_V1}/clusterroles`, name: 'x' }))).toEqual([]);
  });
});

describe('rbac-escalation-verbs', () => {
  it('fires on bind/escalate on roles (RBAC privilege-escalation prevention bypass)', () => {
    const event = createClusterRole('role-granter', [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind', 'escalate'] }]);
    const f = findingOf(event, 'rbac-escalation-verbs');
    expect(f?.severity).toBe('high');
    expect(f?.evidence).toMatchObject({ grants: [{ rule: 0, resource: `clusterroles.${RBAC}`, verbs: ['escalate', 'bind'] }] });
  });

  it('fires on impersonate of users, groups, service accounts or user extras', () => {
    const impersonator = createClusterRole('impersonator', [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }]);
    expect(fired(impersonator)).toEqual(['rbac-escalation-verbs']);
    const scopes = createClusterRole('scopes', [{ apiGroups: ['authentication.k8s.io'], resources: ['userextras/scopes'], verbs: ['impersonate'] }]);
    expect(findingOf(scopes, 'rbac-escalation-verbs')?.evidence).toMatchObject({ grants: [{ resource: 'userextras.authentication.k8s.io' }] });
  });

  it('fires on `*` verbs over bindings', () => {
    const event = createRole('dev', 'binder', [{ apiGroups: [RBAC], resources: ['rolebindings'], verbs: ['*'] }]);
    expect(fired(event)).toEqual(['rbac-wildcard', 'rbac-escalation-verbs']);
    expect(findingOf(event, 'rbac-escalation-verbs')?.evidence).toMatchObject({ grants: [{ resource: `rolebindings.${RBAC}`, verbs: ['*'] }] });
  });

  it('does not fire when the verb names nothing it could escalate, or on the Falco role traces', () => {
    expect(fired(createClusterRole('odd', [{ apiGroups: [''], resources: ['pods'], verbs: ['impersonate', 'bind'] }]))).toEqual([]);
    expect(fired(createClusterRole('reader', [{ apiGroups: [RBAC], resources: ['roles', 'clusterroles'], verbs: ['get', 'list'] }]))).toEqual([]);
    for (const file of ['create_cluster_role_wildcard_resources.json', 'create_cluster_role_wildcard_verbs.json', 'create_cluster_role_pod_exec.json']) {
      const [event] = corpusLines(`falco-k8s-audit/${file}`);
      expect(fired(event), file).not.toContain('rbac-escalation-verbs');
    }
  });
});

describe('rbac-sensitive-grant', () => {
  it('fires on Falco create_cluster_role_pod_exec.json ("ClusterRole With Pod Exec Created"; get = websocket exec)', () => {
    const [event] = corpusLines('falco-k8s-audit/create_cluster_role_pod_exec.json');
    expect(findingOf(event, 'rbac-sensitive-grant')?.evidence).toMatchObject({ grants: [{ rule: 0, resource: 'pods/exec', verbs: ['get'] }] });
  });

  it('fires on secrets reads, token minting, attach and kubelet proxy, also through `*` and `*/exec`', () => {
    const cases: [Json[], string][] = [
      [[{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }], 'secrets'],
      [[{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }], 'serviceaccounts/token'],
      [[{ apiGroups: [''], resources: ['pods/attach'], verbs: ['create'] }], 'pods/attach'],
      [[{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }], 'nodes/proxy'],
      [[{ apiGroups: [''], resources: ['*/exec'], verbs: ['create'] }], 'pods/exec'],
      [[{ apiGroups: ['*'], resources: ['secrets'], verbs: ['*'] }], 'secrets'],
    ];
    for (const [rules, resource] of cases) {
      const f = findingOf(createRole('dev', 'r', rules), 'rbac-sensitive-grant');
      expect(f?.evidence, resource).toMatchObject({ grants: [{ resource }] });
    }
  });

  it('does not fire on harmless verbs, other groups, or `pods/*` (not a wildcard in RBAC)', () => {
    const harmless: Json[][] = [
      [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['get'] }],
      [{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] }],
      [{ apiGroups: ['apps'], resources: ['secrets'], verbs: ['get'] }],
      [{ apiGroups: [''], resources: ['pods/*'], verbs: ['create'] }],
      [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }],
    ];
    for (const rules of harmless) expect(fired(createRole('dev', 'r', rules)), JSON.stringify(rules)).toEqual([]);
    const [plain] = corpusLines('falco-k8s-audit/create_clusterrole.json');
    expect(fired(plain)).toEqual([]);
  });
});

describe('system-role-modified', () => {
  it('fires on Falco modify_cluster_role_node_problem_detector.json and delete_cluster_role_kube_aggregator.json', () => {
    const [modified] = corpusLines('falco-k8s-audit/modify_cluster_role_node_problem_detector.json');
    const [deleted] = corpusLines('falco-k8s-audit/delete_cluster_role_kube_aggregator.json');
    expect(findingOf(modified, 'system-role-modified')).toMatchObject({ severity: 'high', name: 'system:node-problem-detector' });
    expect(findingOf(deleted, 'system-role-modified')?.summary).toBe('minikube-user deleted the system ClusterRole system:kube-aggregator.');
  });

  it('does not fire on Falco delete_clusterrole.json / delete_clusterrolebinding.json (not system: objects)', () => {
    for (const file of ['delete_clusterrole.json', 'delete_clusterrolebinding.json']) {
      const [event] = corpusLines(`falco-k8s-audit/${file}`);
      expect(fired(event), file).toEqual([]);
    }
  });

  it('fires on a system: ClusterRoleBinding patched by a user', () => {
    const event = apiRequest({ verb: 'patch', uri: `${RBAC_V1}/clusterrolebindings/system:public-info-viewer`, requestObject: { subjects: [group('system:unauthenticated')] } });
    expect(fired(event)).toContain('system-role-modified');
  });

  it('ignores the control plane, kube-system controllers, creation, reads and failures', () => {
    const update = (u: string, code = 200): Json => apiRequest({ verb: 'update', uri: `${RBAC_V1}/clusterroles/system:node`, user: u, code });
    expect(fired(update(APISERVER))).toEqual([]);
    expect(fired(update('system:serviceaccount:kube-system:kube-addon-manager'))).toEqual([]);
    expect(fired(update('jane@example.com', 409))).toEqual([]);
    expect(fired(apiRequest({ verb: 'get', uri: `${RBAC_V1}/clusterroles/system:node` }))).toEqual([]);
    // A namespaced Role is not in scope (the rule covers ClusterRole/ClusterRoleBinding).
    expect(fired(apiRequest({ verb: 'delete', uri: `${RBAC_V1}/namespaces/kube-system/roles/system:controller:bootstrap-signer` }))).toEqual([]);
  });
});

describe('secrets-enumeration', () => {
  it('fires on a cluster-wide list and on a watch in kube-system', () => {
    const all = apiRequest({ verb: 'list', uri: '/api/v1/secrets?limit=500' });
    expect(findingOf(all, 'secrets-enumeration')).toMatchObject({ severity: 'high', summary: 'jane@example.com listed Secrets in all namespaces.' });
    const watch = apiRequest({ verb: 'watch', uri: '/api/v1/namespaces/kube-system/secrets?watch=true&resourceVersion=1', user: 'system:serviceaccount:monitoring:agent' });
    expect(findingOf(watch, 'secrets-enumeration')?.evidence).toMatchObject({ verb: 'watch', namespace: 'kube-system' });
  });

  it('is medium for a service account’s informer (list at resourceVersion=0, watch with bookmarks), high for the same list by kubectl', () => {
    const cainjector = 'system:serviceaccount:cert-manager:cert-manager-cainjector';
    const informerList = apiRequest({ verb: 'list', uri: '/api/v1/secrets?limit=500&resourceVersion=0', user: cainjector });
    expect(findingOf(informerList, 'secrets-enumeration')).toMatchObject({ severity: 'medium', evidence: { informer: true } });
    const informerWatch = apiRequest({ verb: 'watch', uri: '/api/v1/secrets?allowWatchBookmarks=true&resourceVersion=6577&timeoutSeconds=300&watch=true', user: cainjector });
    expect(findingOf(informerWatch, 'secrets-enumeration')?.severity).toBe('medium');
    // a stolen token used with kubectl: no watch cache, no bookmarks
    expect(findingOf(apiRequest({ verb: 'list', uri: '/api/v1/secrets?limit=500', user: cainjector }), 'secrets-enumeration')?.severity).toBe('high');
    // a person's informer-shaped request stays high
    expect(findingOf(apiRequest({ verb: 'list', uri: '/api/v1/secrets?limit=500&resourceVersion=0' }), 'secrets-enumeration')?.severity).toBe('high');
  });

  it('uses the verb re-derived from the URI (?watch=true on a list is a watch)', () => {
    const event = apiRequest({ verb: 'list', uri: '/api/v1/secrets?watch=true' });
    expect(findingOf(event, 'secrets-enumeration')?.evidence).toMatchObject({ verb: 'watch' });
  });

  it('ignores other namespaces, single-object watches (kubelets), reads of one Secret, controllers and failures', () => {
    expect(fired(apiRequest({ verb: 'list', uri: '/api/v1/namespaces/default/secrets' }))).toEqual([]);
    const kubelet = apiRequest({
      verb: 'watch',
      uri: '/api/v1/namespaces/kube-system/secrets?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dcoredns-token&watch=true',
      user: 'system:node:node-1',
      groups: ['system:nodes'],
    });
    expect(fired(kubelet)).toEqual([]);
    expect(fired(apiRequest({ verb: 'get', uri: '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef' }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'list', uri: '/api/v1/secrets', user: NAMESPACE_CONTROLLER }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'list', uri: '/api/v1/secrets', code: 403 }))).toEqual([]);
  });
});

describe('admission-control-modified', () => {
  const ADM = '/apis/admissionregistration.k8s.io/v1';
  it('is medium for a service account updating an existing webhook (a CA bundle injected) and for a creation, high for a delete and for a person’s update', () => {
    const cainjector = 'system:serviceaccount:cert-manager:cert-manager-cainjector';
    const update = (user?: string) => apiRequest({ verb: 'update', uri: `${ADM}/validatingwebhookconfigurations/cert-manager-webhook`, ...(user === undefined ? {} : { user }) });
    expect(findingOf(update(cainjector), 'admission-control-modified')?.severity).toBe('medium');
    expect(findingOf(apiRequest({ verb: 'patch', uri: `${ADM}/mutatingwebhookconfigurations/gatekeeper`, user: 'system:serviceaccount:gatekeeper-system:gatekeeper-admin' }), 'admission-control-modified')?.severity).toBe('medium');
    expect(findingOf(update(), 'admission-control-modified')?.severity).toBe('high');
    expect(findingOf(apiRequest({ verb: 'create', uri: `${ADM}/validatingwebhookconfigurations`, name: 'x', user: cainjector }), 'admission-control-modified')?.severity).toBe('medium');
    expect(findingOf(apiRequest({ verb: 'create', uri: `${ADM}/validatingwebhookconfigurations`, name: 'x' }), 'admission-control-modified')?.severity).toBe('medium');
    expect(findingOf(apiRequest({ verb: 'delete', uri: `${ADM}/validatingwebhookconfigurations/x`, user: cainjector }), 'admission-control-modified')?.severity).toBe('high');
  });

  it('keeps a webhook’s failure policy: an update turning it fail-open (Fail → Ignore) stays high, whoever makes it', () => {
    const sa = 'system:serviceaccount:cert-manager:cert-manager-cainjector';
    const config = (policy?: string) => ({ kind: 'ValidatingWebhookConfiguration', metadata: { name: 'policy' }, webhooks: [{ name: 'validate.example.com', ...(policy ? { failurePolicy: policy } : {}), clientConfig: { caBundle: 'LS0t' } }] });
    const write = (verb: string, object: unknown, user = sa) => apiRequest({ verb, uri: `${ADM}/validatingwebhookconfigurations${verb === 'create' ? '' : '/policy'}`, name: 'policy', user, requestObject: object, responseObject: object });
    const found = ruleFindings([write('create', config(), 'jane'), write('update', config('Fail')), write('update', config('Ignore')), write('update', config('Ignore'))], 'admission-control-modified');
    expect(found.map((f) => [f.severity, f.evidence.failOpen ?? null])).toEqual([['medium', null], ['medium', null], ['high', ['validate.example.com']], ['medium', null]]);
    expect(found[2]?.summary).toContain('turning validate.example.com fail-open');
    // a merge patch setting Ignore on a webhook not seen before
    const patch = apiRequest({ verb: 'patch', uri: `${ADM}/validatingwebhookconfigurations/policy`, name: 'policy', user: sa, requestObject: { webhooks: [{ name: 'validate.example.com', failurePolicy: 'Ignore' }] } });
    expect(ruleFindings([patch], 'admission-control-modified')[0]?.evidence.failOpen).toEqual(['validate.example.com']);
    // created fail-open is a creation (high anyway), not a change of policy
    expect(ruleFindings([write('create', config('Ignore'), 'jane')], 'admission-control-modified')[0]?.evidence.failOpen).toBeUndefined();
  });

  it('fires on a webhook configuration created and an admission policy deleted by a user', () => {
    const created = apiRequest({
      verb: 'create',
      uri: `${ADM}/mutatingwebhookconfigurations`,
      name: 'injector',
      requestObject: { kind: 'MutatingWebhookConfiguration', metadata: { name: 'injector' }, webhooks: [{ name: 'inject.example.com', clientConfig: { service: { namespace: 'x', name: 'y' }, caBundle: 'LS0t' } }] },
    });
    expect(findingOf(created, 'admission-control-modified')?.summary).toBe('jane@example.com created mutatingwebhookconfigurations/injector.');
    const deleted = apiRequest({ verb: 'delete', uri: `${ADM}/validatingadmissionpolicies/require-labels` });
    expect(fired(deleted)).toEqual(['admission-control-modified']);
    const binding = apiRequest({ verb: 'patch', uri: `${ADM}/validatingadmissionpolicybindings/require-labels`, requestObject: { spec: { validationActions: ['Audit'] } } });
    expect(fired(binding)).toEqual(['admission-control-modified']);
  });

  it('ignores status writes, system identities, reads and failures', () => {
    expect(fired(apiRequest({ verb: 'update', uri: `${ADM}/validatingadmissionpolicies/p/status`, user: 'system:serviceaccount:kube-system:validatingadmissionpolicy-status-controller' }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'update', uri: `${ADM}/validatingadmissionpolicies/p/status` }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'delete', uri: `${ADM}/validatingwebhookconfigurations/w`, user: 'system:serviceaccount:kube-system:addon-manager' }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'list', uri: `${ADM}/validatingwebhookconfigurations` }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'delete', uri: `${ADM}/validatingwebhookconfigurations/w`, code: 403 }))).toEqual([]);
  });
});

describe('forbidden-burst', () => {
  const denied = (m: number, user = 'mallory') => eventAt(m, { user: { username: user, groups: ['system:authenticated'] }, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });

  it('one identity denied N times within 5 minutes', () => {
    const e = statefulEngine();
    fire(e, denied(0));
    fire(e, denied(1, 'other'));
    expect(fire(e, denied(2))).not.toContain('forbidden-burst');
    expect(fire(e, denied(3))).toContain('forbidden-burst');
  });
  it('window rules count a redelivered event once (state written, offsets not yet committed, batch delivered again)', () => {
    const e = statefulEngine();
    const first = [denied(0), denied(1), anon403(0), anon403(1)];
    for (const x of first) fire(e, x);
    // the same two events of each again, then a third distinct one
    for (const x of first) expect(fire(e, x)).toEqual(expect.not.arrayContaining(['forbidden-burst', 'anonymous-scan']));
    expect(fire(e, denied(2))).toContain('forbidden-burst');
    expect(fire(e, anon403(2))).toContain('anonymous-scan');
  });
  it('window state written before events were kept in it (times only) still counts', () => {
    const state = new RuleState();
    state.restore('forbidden-burst|c|mallory', { times: [Date.parse(at(0)), Date.parse(at(1))], reportedAt: null });
    const e = createEngine({ settings: statefulSettings, state });
    expect(fire(e, denied(2))).toContain('forbidden-burst');
  });
});

// ---- Panther's tests: per rule, which of its native-Event verdicts kaudit shares ----

// Panther rule (YAML under panther-analysis/rules) → the kaudit rule that covers the same behaviour.
const pantherEquivalents: Readonly<Record<string, AccessRule>> = {
  'kubernetes_rules/k8s_admission_controller_created.yml': 'admission-control-modified',
  'kubernetes_rules/k8s_clusterrolebinding_privileged.yml': 'cluster-admin-binding',
  'kubernetes_rules/k8s_ingress_without_tls.yml': 'ingress-without-tls',
  'kubernetes_rules/k8s_role_node_proxy_permissions.yml': 'rbac-sensitive-grant',
  'kubernetes_rules/k8s_role_pod_exec.yml': 'rbac-sensitive-grant',
  'kubernetes_rules/k8s_role_wildcard.yml': 'rbac-wildcard',
  'kubernetes_rules/k8s_secret_enumeration.yml': 'secrets-enumeration',
  'kubernetes_rules/k8s_secrets_dump_all_namespaces.yml': 'secrets-enumeration',
  'kubernetes_rules/k8s_service_nodeport.yml': 'nodeport-service',
  'kubernetes_rules/k8s_system_role_modified.yml': 'system-role-modified',
};

// Where kaudit's verdict differs from Panther's ExpectedResult: kaudit's is asserted, for this reason.
const CHANGES_TOO = 'kaudit’s rules cover changes too, not only creation: a role, binding or webhook widened later is as dangerous as one created so';
const NOT_CONTROL_PLANE =
  'a kube-system service account that is not a known control-plane controller gets no pass: a compromised operator or Tiller-style pod in kube-system is the threat (exceptions belong in the tuning file)';
const disagreements: Readonly<Record<string, string>> = {
  'k8s_admission_controller_created.yml|Webhook Update (Not Create)': CHANGES_TOO,
  'k8s_clusterrolebinding_privileged.yml|AKS ClusterRoleBinding to system:masters':
    'system:masters is a group, not a ClusterRole: a roleRef to it grants nothing (group membership is what bypasses RBAC, and that is system-masters-used)',
  'k8s_clusterrolebinding_privileged.yml|EKS ClusterRoleBinding to controller-manager role':
    'the rule id is the contract: cluster-admin only; bindings to other powerful roles are left to the RBAC verdict (Panther lists several privileged roles)',
  'k8s_clusterrolebinding_privileged.yml|RoleBinding (not ClusterRoleBinding)':
    'kaudit: RoleBinding or ClusterRoleBinding: a RoleBinding to cluster-admin gives full control of the namespace, its Secrets included',
  'k8s_clusterrolebinding_privileged.yml|System principal creating binding (excluded)': NOT_CONTROL_PLANE,
  'k8s_ingress_without_tls.yml|System namespace (excluded)': 'no namespace exemption: a plain-HTTP Ingress in kube-system exposes system services, which is worse, not better',
  'k8s_ingress_without_tls.yml|Updating existing ingress (not creating)': CHANGES_TOO,
  'k8s_role_node_proxy_permissions.yml|AKS ClusterRole with nodes/* permission':
    'Kubernetes RBAC has no `resource/*` wildcard (ResourceMatches: `*`, exact, `*/sub`): `nodes/*` does not grant nodes/proxy; its `*` verbs are reported by rbac-wildcard',
  'k8s_role_node_proxy_permissions.yml|System principal creating role (excluded)': NOT_CONTROL_PLANE,
  'k8s_role_node_proxy_permissions.yml|Updating existing role (not creating)': CHANGES_TOO,
  'k8s_role_pod_exec.yml|System principal creating role (excluded)': NOT_CONTROL_PLANE,
  'k8s_role_pod_exec.yml|Updating existing role (not creating)': CHANGES_TOO,
  'k8s_role_wildcard.yml|ClusterRole with wildcard apiGroups only (not resources or verbs)':
    'kaudit: `*` in verbs, resources or apiGroups; apiGroups `*` also grants the resource in every future API group and CRD',
  'k8s_role_wildcard.yml|System principal creating role (excluded)': NOT_CONTROL_PLANE,
  'k8s_role_wildcard.yml|Updating existing role (not creating)': CHANGES_TOO,
  // Kubernetes.BulkSecretAccess has a threshold of 15: its per-event true marks one namespaced read to be
  // counted, which is the stateful secret-read-burst's job; secrets-enumeration is one cluster-wide or
  // kube-system list/watch.
  'k8s_secret_enumeration.yml|User Gets a Secret': 'a single namespaced get: counted by secret-read-burst, not enumeration',
  'k8s_secret_enumeration.yml|User Lists Secrets': 'a list in one application namespace (production): counted by secret-read-burst, not enumeration',
  'k8s_secret_enumeration.yml|User Watches Secrets': 'a watch in one application namespace (production): counted by secret-read-burst, not enumeration',
  'k8s_secret_enumeration.yml|User Gets Secret - Access Denied': 'a single denied get: failed requests enumerate nothing (forbidden-burst counts denials)',
  'k8s_secrets_dump_all_namespaces.yml|Kube-state-metrics listing secrets (excluded)':
    'kaudit: any non-control-plane identity; kube-state-metrics reading every Secret cluster-wide is an over-grant worth seeing once (tune it out by exception)',
  'k8s_system_role_modified.yml|System:coredns modified (excluded - expected)':
    'kaudit: any `system:*` ClusterRole; kubeadm upgrades patch system:coredns as an admin, which an exception in the tuning file expresses without blinding the rule for everyone',
};

const nativeFormats = new Set(['k8s_audit_event', 'azure_diagnostics_wrapped_string']);

describe("Panther's native-Event tests for the equivalent rules", () => {
  const tests = pantherTests().filter((t) => t.source_file in pantherEquivalents && nativeFormats.has(t.format));
  const eventOf = (log: Record<string, unknown>, format: string): unknown => {
    // Panther's enrichment fields (p_*) are not part of the Event; AKS records wrap the Event as a JSON string.
    const clean = Object.fromEntries(Object.entries(log).filter(([k]) => !k.startsWith('p_')));
    return format === 'k8s_audit_event' ? clean : unwrapDocument(clean)[0];
  };
  const verdicts = tests.map((t) => {
    const rule = pantherEquivalents[t.source_file] ?? 'never';
    const file = t.source_file.slice(t.source_file.indexOf('/') + 1);
    const reason = disagreements[`${file}|${t.test_name}`];
    return { file, test: t.test_name, format: t.format, panther: t.expected_result, ours: fired(eventOf(t.log, t.format)).includes(rule), reason };
  });

  it('agrees with Panther except where a reason says why kaudit differs (and then kaudit is asserted)', () => {
    for (const v of verdicts) {
      const expected = v.reason === undefined ? v.panther : !v.panther;
      expect(v.ours, `${v.file} / ${v.test}${v.reason ? ` (differs: ${v.reason})` : ''}`).toBe(expected);
    }
    // Every listed disagreement is a real test (no stale entries).
    const seen = new Set(verdicts.map((v) => `${v.file}|${v.test}`));
    for (const key of Object.keys(disagreements)) expect(seen.has(key), key).toBe(true);
  });

  it('agreement per Panther rule (agreeing/total over its k8s_audit_event and AKS-wrapped tests)', () => {
    const perRule: Record<string, string> = {};
    for (const file of new Set(verdicts.map((v) => v.file))) {
      const mine = verdicts.filter((v) => v.file === file);
      perRule[file] = `${mine.filter((v) => v.ours === v.panther).length}/${mine.length}`;
    }
    expect(perRule).toEqual({
      'k8s_admission_controller_created.yml': '4/5',
      'k8s_clusterrolebinding_privileged.yml': '4/8',
      'k8s_ingress_without_tls.yml': '4/6',
      'k8s_role_node_proxy_permissions.yml': '5/8',
      'k8s_role_pod_exec.yml': '5/7',
      'k8s_role_wildcard.yml': '5/8',
      'k8s_secret_enumeration.yml': '3/7',
      'k8s_secrets_dump_all_namespaces.yml': '7/8',
      'k8s_service_nodeport.yml': '5/5',
      'k8s_system_role_modified.yml': '7/8',
    });
  });
});

// The kubelet API through the API server: /api/v1/nodes/<node>/proxy/<kubelet path> (kubelet's server.go
// paths: /pods, /run/<ns>/<pod>/<container>, /exec/…, /metrics, /stats/summary, /configz).
describe('node-proxy-used', () => {
  const proxy = (path: string, verb = 'get', over: Partial<Req> = {}) => apiRequest({ verb, uri: `/api/v1/nodes/node-1/proxy/${path}`, name: 'node-1', ...over });
  it('fires on a person’s kubelet call, high when it runs a command in a container', () => {
    const found = ruleFindings([proxy('pods'), proxy('run/shop/web-0/web?cmd=id', 'create'), proxy('exec/shop/web-0/web?command=sh&input=1&output=1&tty=1')], 'node-proxy-used');
    expect(found.map((f) => [f.evidence.path, f.evidence.command, f.severity])).toEqual([
      ['/api/v1/nodes/node-1/proxy/pods', false, 'medium'],
      ['/api/v1/nodes/node-1/proxy/run/shop/web-0/web', true, 'high'],
      ['/api/v1/nodes/node-1/proxy/exec/shop/web-0/web', true, 'high'],
    ]);
  });

  it('stays silent for monitoring reads, the control plane, kube-system’s agents and refused calls', () => {
    const silent = [
      proxy('metrics'),
      proxy('metrics/cadvisor'),
      proxy('stats/summary'),
      proxy('configz'),
      proxy('pods', 'get', { user: APISERVER, groups: ['system:masters'] }),
      proxy('pods', 'get', { user: 'system:serviceaccount:kube-system:metrics-server', groups: ['system:serviceaccounts'] }),
      proxy('pods', 'get', { code: 403 }),
    ];
    expect(ruleFindings(silent, 'node-proxy-used')).toEqual([]);
  });
});

describe('discovery-burst', () => {
  const read = (m: number, resource: string, over: Json = {}) => eventAt(m, { requestURI: `/api/v1/${resource}`, objectRef: { resource, apiVersion: 'v1' }, verb: 'list', ...over });
  const kinds = ['namespaces', 'nodes', 'pods', 'serviceaccounts', 'configmaps'];
  it('fires once when one identity reads five kinds of the cluster’s layout within a minute', () => {
    const found = ruleFindings([...kinds.map((k, i) => read(i * 0.1, k)), read(0.6, 'secrets')], 'discovery-burst');
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence.kinds).toEqual(kinds);
    expect(ruleFindings(kinds.slice(0, 3).map((k, i) => read(i * 0.1, k)), 'discovery-burst', { discoveryKindsThreshold: 3 })).toHaveLength(1);
  });

  it('does not count reads spread over minutes, the same kind again, the control plane or a service account’s informer', () => {
    expect(ruleFindings(kinds.map((k, i) => read(i * 2, k)), 'discovery-burst')).toEqual([]);
    expect(ruleFindings([0, 1, 2, 3, 4, 5].map((i) => read(i * 0.1, 'pods')), 'discovery-burst')).toEqual([]);
    const controller = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    expect(ruleFindings(kinds.map((k, i) => read(i * 0.1, k, { user: controller })), 'discovery-burst')).toEqual([]);
    const informer = podServiceAccount('monitoring', 'kube-state-metrics');
    expect(ruleFindings(kinds.map((k, i) => read(i * 0.1, k, { user: informer, requestURI: `/api/v1/${k}?limit=500&resourceVersion=0` })), 'discovery-burst')).toEqual([]);
  });
});

describe('rbac-then-workload', () => {
  const grantSelf = createClusterRole('everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
  const deploy = (over: Partial<Req> = {}) =>
    apiRequest({ verb: 'create', uri: '/apis/apps/v1/namespaces/shop/deployments', name: 'miner', namespace: 'shop', requestObject: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'miner' }, spec: { template: { spec: { containers: [{ name: 'm', image: 'x/miner' }] } } } }, ...over });
  const later = (event: Json, minutes: number) => ({ ...event, stageTimestamp: new Date(Date.parse('2026-03-01T10:00:00.100Z') + minutes * 60_000).toISOString(), requestReceivedTimestamp: new Date(Date.parse('2026-03-01T10:00:00Z') + minutes * 60_000).toISOString() });
  it('fires when a sensitive RBAC change is followed within 10 minutes by a workload change or an exec by the same identity', () => {
    const found = ruleFindings([grantSelf, later(deploy(), 3)], 'rbac-then-workload');
    expect(found.map((f) => f.severity)).toEqual(['high']);
    expect(found[0]?.evidence).toMatchObject({ rbacChange: { rule: 'rbac-wildcard', resource: 'clusterroles', name: 'everything' }, then: { verb: 'create', resource: 'deployments', name: 'miner' }, secondsBetween: 180 });
    const exec = apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/pods/web-0/exec?command=sh', name: 'web-0', namespace: 'shop', subresource: 'exec' });
    expect(ruleFindings([grantSelf, later(exec, 1)], 'rbac-then-workload')).toHaveLength(1);
  });

  it('stays silent after an ordinary RBAC change, after the window, for another identity, and reports one RBAC change once', () => {
    const plain = createRole('shop', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
    expect(ruleFindings([plain, deploy()], 'rbac-then-workload')).toEqual([]);
    expect(ruleFindings([grantSelf, later(deploy(), 11)], 'rbac-then-workload')).toEqual([]);
    expect(ruleFindings([grantSelf, deploy({ user: admin.username, groups: admin.groups })], 'rbac-then-workload')).toEqual([]);
    expect(ruleFindings([grantSelf, later(deploy(), 1), later(deploy(), 2)], 'rbac-then-workload')).toHaveLength(1);
  });
});
