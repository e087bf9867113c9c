// RBAC model and evaluator. The evaluation cases are written from the Kubernetes RBAC documentation and the
// authorizer's source semantics (kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac, pkg/apis/rbac/v1
// evaluation_helpers.go, pkg/registry/rbac/validation/rule.go, pkg/controller/clusterroleaggregation).
// The last block reads ../shared/corpus (Panther tests, Sysdig AKS capture) for real authorization reasons.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RbacModel,
  RbacRegistry,
  nonResourceURLMatches,
  parseAuthorization,
  resourceMatches,
  resourceNameMatches,
  toRule,
  type RbacRequest,
  type RbacVerdict,
} from '#shared/engine/rbac';
import { loadSnapshotFile } from '#shared/engine';
import { auditEventSchema } from '#shared/contracts';
import { corpusDir, corpusLines } from '#shared/testing';

// ---- fixture: a snapshot List as `kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o json` prints it ----

const RBAC_V1 = 'rbac.authorization.k8s.io/v1';
const RBAC = 'rbac.authorization.k8s.io';

type Json = Record<string, unknown>;
const clusterRole = (name: string, rules: Json[], labels?: Record<string, string>, aggregationRule?: Json): Json => ({
  apiVersion: RBAC_V1,
  kind: 'ClusterRole',
  metadata: labels ? { name, labels } : { name },
  rules,
  ...(aggregationRule ? { aggregationRule } : {}),
});
const role = (namespace: string, name: string, rules: Json[]): Json => ({ apiVersion: RBAC_V1, kind: 'Role', metadata: { name, namespace }, rules });
const user = (name: string): Json => ({ kind: 'User', apiGroup: RBAC, name });
const group = (name: string): Json => ({ kind: 'Group', apiGroup: RBAC, name });
const sa = (name: string, namespace?: string): Json => (namespace === undefined ? { kind: 'ServiceAccount', name } : { kind: 'ServiceAccount', name, namespace });
const crb = (name: string, roleName: string, subjects: Json[], roleKind = 'ClusterRole'): Json => ({
  apiVersion: RBAC_V1,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
  subjects,
});
const rb = (namespace: string, name: string, roleKind: string, roleName: string, subjects: Json[]): Json => ({
  apiVersion: RBAC_V1,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
  subjects,
});

const snapshot = {
  apiVersion: 'v1',
  kind: 'List',
  metadata: { resourceVersion: '' },
  items: [
    clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]),
    clusterRole('deploy-admin', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]),
    clusterRole('any-group-configmaps', [{ apiGroups: ['*'], resources: ['configmaps'], verbs: ['get'] }]),
    clusterRole('log-reader', [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]),
    clusterRole('scaler', [{ apiGroups: ['*'], resources: ['*/scale'], verbs: ['get', 'update', 'patch'] }]),
    clusterRole('pods-star', [{ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }]),
    clusterRole('core-lister', [{ apiGroups: [''], resources: ['*'], verbs: ['list'] }]),
    clusterRole('named-config', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['app-config'], verbs: ['get', 'update', 'list'] }]),
    clusterRole('health', [{ nonResourceURLs: ['/healthz', '/healthz/*', '/version'], verbs: ['get'] }]),
    clusterRole('all-urls', [{ nonResourceURLs: ['*'], verbs: ['get'] }]),
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    // aggregation by matchLabels
    clusterRole('monitoring', [], undefined, { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] }),
    clusterRole('monitoring-endpoints', [{ apiGroups: [''], resources: ['endpoints'], verbs: ['get'] }], { 'rbac.example.com/aggregate-to-monitoring': 'true' }),
    // aggregation by matchExpressions (In, Exists)
    clusterRole('expr-agg', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], undefined, {
      clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, { matchExpressions: [{ key: 'extra', operator: 'Exists' }] }],
    }),
    clusterRole('tier-a', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], { tier: 'a' }),
    clusterRole('tier-c', [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }], { tier: 'c' }),
    clusterRole('extra-role', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }], { extra: '' }),
    role('team-a', 'secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
    role('team-b', 'secret-reader', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]),
    crb('alice-pods', 'pod-reader', [user('alice')]),
    crb('devs-deploy', 'deploy-admin', [group('devs')]),
    crb('any-cm', 'any-group-configmaps', [user('gina')]),
    crb('sa-scaler', 'scaler', [sa('hpa', 'kube-system')]),
    crb('sa-without-namespace', 'cluster-admin', [sa('ghost')]),
    crb('pods-star-binding', 'pods-star', [user('pat')]),
    crb('core-list', 'core-lister', [user('liam')]),
    crb('named', 'named-config', [user('nina')]),
    crb('public-health', 'health', [group('system:authenticated'), group('system:unauthenticated')]),
    crb('metrics-urls', 'all-urls', [user('metrics')]),
    crb('masters', 'cluster-admin', [group('system:masters')]),
    crb('monitoring-binding', 'monitoring', [user('mon')]),
    crb('expr-binding', 'expr-agg', [user('expr')]),
    crb('crb-to-role', 'secret-reader', [user('zed')], 'Role'),
    crb('erin-cluster', 'not-there', [user('erin')]),
    rb('team-a', 'bob-secrets', 'Role', 'secret-reader', [user('bob')]),
    rb('team-b', 'bob-b', 'Role', 'secret-reader', [user('bob')]),
    rb('team-a', 'carol-logs', 'ClusterRole', 'log-reader', [user('carol')]),
    rb('team-a', 'sa-local', 'ClusterRole', 'pod-reader', [sa('builder')]),
    rb('team-a', 'dave-missing', 'Role', 'missing-role', [user('dave')]),
    // not RBAC objects, or invalid ones: skipped
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'team-a' } },
    { apiVersion: RBAC_V1, kind: 'RoleBinding', metadata: { name: 'no-roleref', namespace: 'team-a' } },
  ],
};
const SNAPSHOT_OBJECTS = snapshot.items.length - 2;

function loadedModel(): RbacModel {
  const m = new RbacModel();
  m.loadSnapshot(JSON.parse(JSON.stringify(snapshot)) as unknown);
  return m;
}

function req(partial: Partial<RbacRequest> & { user: string }): RbacRequest {
  return { groups: [], verb: 'get', isResourceRequest: true, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path: '', ...partial };
}
function url(userName: string, groups: string[], verb: string, p: string): RbacRequest {
  return req({ user: userName, groups, verb, isResourceRequest: false, path: p });
}

type Expect = 'deny' | 'null' | { crb: string; role: string } | { rb: string; ns: string; role: string; roleKind?: 'Role' | 'ClusterRole' };

function check(verdict: RbacVerdict, expected: Expect): void {
  if (expected === 'deny') expect(verdict).toEqual({ verdict: 'deny' });
  else if (expected === 'null') expect(verdict).toMatchObject({ verdict: null, reason: expect.any(String) as unknown });
  else if ('crb' in expected)
    expect(verdict).toEqual({ verdict: 'allow', binding: { kind: 'ClusterRoleBinding', name: expected.crb }, role: { kind: 'ClusterRole', name: expected.role } });
  else
    expect(verdict).toEqual({
      verdict: 'allow',
      binding: { kind: 'RoleBinding', name: expected.rb, namespace: expected.ns },
      role: { kind: expected.roleKind ?? 'Role', name: expected.role },
    });
}

const SA = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

const cases: [string, RbacRequest, Expect][] = [
  // verbs
  ['listed verb allows', req({ user: 'alice', resource: 'pods', namespace: 'default' }), { crb: 'alice-pods', role: 'pod-reader' }],
  ['ClusterRoleBinding grants cluster-wide (list all namespaces)', req({ user: 'alice', verb: 'list', resource: 'pods' }), { crb: 'alice-pods', role: 'pod-reader' }],
  ['unlisted verb denies', req({ user: 'alice', verb: 'delete', resource: 'pods', namespace: 'default', name: 'p' }), 'deny'],
  ['verb * allows create', req({ user: 'u', groups: ['devs'], verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'x' }), { crb: 'devs-deploy', role: 'deploy-admin' }],
  ['verb * allows a custom verb', req({ user: 'u', groups: ['devs'], verb: 'escalate', apiGroup: 'apps', resource: 'deployments' }), { crb: 'devs-deploy', role: 'deploy-admin' }],
  // apiGroups
  ['core group "" does not cover apps', req({ user: 'alice', apiGroup: 'apps', resource: 'pods', namespace: 'default' }), 'deny'],
  ['apps does not cover extensions', req({ user: 'u', groups: ['devs'], verb: 'create', apiGroup: 'extensions', resource: 'deployments' }), 'deny'],
  ['apps does not cover core', req({ user: 'u', groups: ['devs'], verb: 'create', resource: 'deployments' }), 'deny'],
  ['apiGroups * covers core', req({ user: 'gina', resource: 'configmaps', namespace: 'n', name: 'c' }), { crb: 'any-cm', role: 'any-group-configmaps' }],
  ['apiGroups * covers a CRD group', req({ user: 'gina', apiGroup: 'example.com', resource: 'configmaps' }), { crb: 'any-cm', role: 'any-group-configmaps' }],
  ['apiGroups * does not widen verbs', req({ user: 'gina', verb: 'list', resource: 'configmaps' }), 'deny'],
  // resources and subresources
  ['resource without subresource does not cover its subresource', req({ user: 'u', groups: ['devs'], verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }), 'deny'],
  ['pods/log grants the log subresource', req({ user: 'carol', resource: 'pods', subresource: 'log', namespace: 'team-a', name: 'p' }), { rb: 'carol-logs', ns: 'team-a', role: 'log-reader', roleKind: 'ClusterRole' }],
  ['pods/log does not grant pods', req({ user: 'carol', resource: 'pods', namespace: 'team-a', name: 'p' }), 'deny'],
  ['*/scale covers deployments/scale', req({ user: SA('kube-system', 'hpa'), verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'x', name: 'd' }), { crb: 'sa-scaler', role: 'scaler' }],
  ['*/scale covers replicationcontrollers/scale', req({ user: SA('kube-system', 'hpa'), resource: 'replicationcontrollers', subresource: 'scale', namespace: 'x', name: 'r' }), { crb: 'sa-scaler', role: 'scaler' }],
  ['*/scale does not cover the resource itself', req({ user: SA('kube-system', 'hpa'), apiGroup: 'apps', resource: 'deployments', namespace: 'x', name: 'd' }), 'deny'],
  ['*/scale does not cover another subresource', req({ user: SA('kube-system', 'hpa'), apiGroup: 'apps', resource: 'deployments', subresource: 'status', namespace: 'x', name: 'd' }), 'deny'],
  ['pods/* is not a wildcard (Kubernetes refuses resource/*)', req({ user: 'pat', resource: 'pods', subresource: 'log', namespace: 'x', name: 'p' }), 'deny'],
  ['pods/* does not grant pods either', req({ user: 'pat', resource: 'pods', namespace: 'x', name: 'p' }), 'deny'],
  ['resources * covers any core resource', req({ user: 'liam', verb: 'list', resource: 'services', namespace: 'x' }), { crb: 'core-list', role: 'core-lister' }],
  ['resources * covers subresources too', req({ user: 'liam', verb: 'list', resource: 'pods', subresource: 'log', namespace: 'x' }), { crb: 'core-list', role: 'core-lister' }],
  ['resources * stays within its apiGroups', req({ user: 'liam', verb: 'list', apiGroup: 'apps', resource: 'deployments' }), 'deny'],
  // resourceNames
  ['resourceNames: get of a listed name', req({ user: 'nina', resource: 'configmaps', namespace: 'x', name: 'app-config' }), { crb: 'named', role: 'named-config' }],
  ['resourceNames: update of a listed name', req({ user: 'nina', verb: 'update', resource: 'configmaps', namespace: 'x', name: 'app-config' }), { crb: 'named', role: 'named-config' }],
  ['resourceNames: get of another name', req({ user: 'nina', resource: 'configmaps', namespace: 'x', name: 'other' }), 'deny'],
  ['resourceNames: list (no name) is denied even though list is a listed verb', req({ user: 'nina', verb: 'list', resource: 'configmaps', namespace: 'x' }), 'deny'],
  ['resourceNames: create (no name) is denied', req({ user: 'nina', verb: 'create', resource: 'configmaps', namespace: 'x' }), 'deny'],
  // nonResourceURLs
  ['nonResourceURL exact', url('anon', ['system:unauthenticated'], 'get', '/healthz'), { crb: 'public-health', role: 'health' }],
  ['nonResourceURL prefix /healthz/*', url('frank', ['system:authenticated'], 'get', '/healthz/etcd'), { crb: 'public-health', role: 'health' }],
  ['nonResourceURL prefix is not a substring match', url('frank', ['system:authenticated'], 'get', '/healthzfoo'), 'deny'],
  ['nonResourceURL exact does not match a longer path', url('frank', ['system:authenticated'], 'get', '/version/x'), 'deny'],
  ['nonResourceURL with another verb', url('frank', ['system:authenticated'], 'post', '/healthz'), 'deny'],
  ['nonResourceURLs * matches any path', url('metrics', [], 'get', '/metrics'), { crb: 'metrics-urls', role: 'all-urls' }],
  ['nonResourceURLs never grant resources', req({ user: 'metrics', resource: 'pods', namespace: 'x' }), 'deny'],
  ['resource rules never grant nonResourceURLs', url('alice', [], 'get', '/api'), 'deny'],
  // groups
  ['system:authenticated is not implied', url('frank', [], 'get', '/healthz'), 'deny'],
  ['system:masters gets everything', req({ user: 'root', groups: ['system:masters', 'system:authenticated'], verb: 'delete', resource: 'nodes', name: 'n1' }), { crb: 'masters', role: 'cluster-admin' }],
  ['cluster-admin also covers nonResourceURLs', url('root', ['system:masters'], 'post', '/anything'), { crb: 'masters', role: 'cluster-admin' }],
  // RoleBindings
  ['RoleBinding to Role in its namespace', req({ user: 'bob', resource: 'secrets', namespace: 'team-a', name: 's' }), { rb: 'bob-secrets', ns: 'team-a', role: 'secret-reader' }],
  ['RoleBinding grants nothing in another namespace', req({ user: 'carol', resource: 'pods', subresource: 'log', namespace: 'team-b', name: 'p' }), 'deny'],
  ['RoleBinding grants nothing cluster-wide', req({ user: 'carol', resource: 'pods', subresource: 'log', name: 'p' }), 'deny'],
  ['same-named Role is resolved in the binding namespace (team-b role reads configmaps)', req({ user: 'bob', resource: 'configmaps', namespace: 'team-b', name: 'c' }), { rb: 'bob-b', ns: 'team-b', role: 'secret-reader' }],
  ['same-named Role in team-b does not read secrets', req({ user: 'bob', resource: 'secrets', namespace: 'team-b', name: 's' }), 'deny'],
  // ServiceAccounts
  ['ServiceAccount subject without namespace means the RoleBinding namespace', req({ user: SA('team-a', 'builder'), verb: 'list', resource: 'pods', namespace: 'team-a' }), { rb: 'sa-local', ns: 'team-a', role: 'pod-reader', roleKind: 'ClusterRole' }],
  ['same ServiceAccount name in another namespace does not match', req({ user: SA('team-b', 'builder'), verb: 'list', resource: 'pods', namespace: 'team-a' }), 'deny'],
  ['ServiceAccount subject without namespace never applies in a ClusterRoleBinding', req({ user: SA('default', 'ghost'), verb: 'delete', resource: 'nodes', name: 'n1' }), 'deny'],
  ['a ServiceAccount is matched by username, not by groups', req({ user: 'hpa', groups: ['system:serviceaccounts:kube-system'], apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'x' }), 'deny'],
  // aggregation
  ['aggregated by matchLabels', req({ user: 'mon', resource: 'endpoints', namespace: 'x', name: 'e' }), { crb: 'monitoring-binding', role: 'monitoring' }],
  ['aggregated role lacks rules of unselected roles', req({ user: 'mon', resource: 'services', namespace: 'x', name: 's' }), 'deny'],
  ['aggregated by matchExpressions In', req({ user: 'expr', resource: 'secrets', namespace: 'x', name: 's' }), { crb: 'expr-binding', role: 'expr-agg' }],
  ['matchExpressions In excludes other values', req({ user: 'expr', resource: 'services', namespace: 'x', name: 's' }), 'deny'],
  ['aggregated by matchExpressions Exists (empty label value)', req({ user: 'expr', resource: 'nodes', name: 'n1' }), { crb: 'expr-binding', role: 'expr-agg' }],
  ["an aggregated role's own stored rules are replaced by the aggregation", req({ user: 'expr', verb: 'delete', apiGroup: 'apps', resource: 'deployments', namespace: 'x', name: 'd' }), 'deny'],
  // what the model does not know
  ['RoleBinding to a Role the model does not know gives null', req({ user: 'dave', resource: 'pods', namespace: 'team-a', name: 'p' }), 'null'],
  ['ClusterRoleBinding to a ClusterRole the model does not know gives null', req({ user: 'erin', resource: 'pods', namespace: 'team-a', name: 'p' }), 'null'],
  ['ClusterRoleBinding to a Role never grants (deny, not null)', req({ user: 'zed', resource: 'secrets', namespace: 'team-a', name: 's' }), 'deny'],
  ['an unrelated user is denied', req({ user: 'mallory', groups: ['system:authenticated'], resource: 'secrets', namespace: 'team-a' }), 'deny'],
];

describe('RbacModel.evaluate over a snapshot', () => {
  const model = loadedModel();
  it.each(cases)('%s', (_name, request, expected) => {
    check(model.evaluate(request), expected);
  });

  it('has at least 45 evaluation cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
  });

  it('walks ClusterRoleBindings before RoleBindings, and bindings in name order', () => {
    const m = loadedModel();
    m.loadSnapshot({ kind: 'List', items: [...snapshot.items, crb('zz-bob', 'any-group-configmaps', [user('bob')]), crb('aa-bob', 'any-group-configmaps', [group('bobs')])] });
    check(m.evaluate(req({ user: 'bob', groups: ['bobs'], resource: 'configmaps', namespace: 'team-b', name: 'c' })), { crb: 'aa-bob', role: 'any-group-configmaps' });
  });

  it('explains null verdicts', () => {
    const v = model.evaluate(req({ user: 'dave', resource: 'pods', namespace: 'team-a' }));
    expect(v).toEqual({ verdict: null, reason: 'RoleBinding "dave-missing/team-a" references Role "missing-role" in namespace "team-a" which the model does not know' });
  });
});

describe('RbacModel snapshots', () => {
  it('loads a List and counts what it skipped', () => {
    const m = new RbacModel();
    expect(m.loadSnapshot(JSON.parse(JSON.stringify(snapshot)) as unknown)).toEqual({ loaded: SNAPSHOT_OBJECTS, skipped: 2 });
    expect(m.size()).toEqual({ roles: 2, clusterRoles: 17, roleBindings: 5, clusterRoleBindings: 15, unknown: 0, complete: true });
  });

  it('loads an array of objects and per-kind lists', () => {
    const m = new RbacModel();
    expect(m.loadSnapshot([crb('a', 'pod-reader', [user('u')]), clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])])).toEqual({ loaded: 2, skipped: 0 });
    check(m.evaluate(req({ user: 'u', resource: 'pods', namespace: 'x' })), { crb: 'a', role: 'pod-reader' });
    expect(m.loadSnapshot({ kind: 'ClusterRoleBindingList', apiVersion: RBAC_V1, items: [crb('b', 'x', [user('u')])] })).toEqual({ loaded: 1, skipped: 0 });
    expect(m.size().clusterRoles).toBe(0); // a snapshot replaces the model
  });

  it('rejects a document that is not a list', () => {
    expect(() => new RbacModel().loadSnapshot({ kind: 'ConfigMap' })).toThrow(/neither a List/);
  });

  it('without a snapshot and without an allow, says null; a found allow still counts', () => {
    const m = new RbacModel();
    check(m.evaluate(req({ user: 'alice', resource: 'pods', namespace: 'x' })), 'null');
    m.applyAuditEvent(write('create', 'clusterroles', { responseObject: clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]) }));
    m.applyAuditEvent(write('create', 'clusterrolebindings', { requestObject: crb('alice-pods', 'pod-reader', [user('alice')]) }));
    check(m.evaluate(req({ user: 'alice', resource: 'pods', namespace: 'x' })), { crb: 'alice-pods', role: 'pod-reader' });
    expect(m.evaluate(req({ user: 'alice', verb: 'delete', resource: 'pods', namespace: 'x' }))).toMatchObject({ verdict: null, reason: expect.stringMatching(/no RBAC snapshot/) as unknown });
  });

  it('with a snapshot, what is not granted is denied', () => {
    check(loadedModel().evaluate(req({ user: 'alice', verb: 'delete', resource: 'pods', namespace: 'x' })), 'deny');
  });

  it('clones independently', () => {
    const a = loadedModel();
    const b = a.clone();
    b.applyAuditEvent(write('delete', 'clusterrolebindings', { name: 'alice-pods' }));
    check(a.evaluate(req({ user: 'alice', resource: 'pods', namespace: 'x' })), { crb: 'alice-pods', role: 'pod-reader' });
    check(b.evaluate(req({ user: 'alice', resource: 'pods', namespace: 'x' })), 'deny');
  });
});

// ---- audit events ----

function write(verb: string, resource: string, opts: { name?: string; namespace?: string; code?: number; requestObject?: unknown; responseObject?: unknown; requestURI?: string; stage?: string } = {}) {
  const obj = (opts.responseObject ?? opts.requestObject) as { metadata?: { name?: string; namespace?: string } } | undefined;
  const name = opts.name ?? obj?.metadata?.name;
  const namespace = opts.namespace ?? obj?.metadata?.namespace;
  return {
    kind: 'Event',
    level: 'RequestResponse',
    stage: opts.stage ?? 'ResponseComplete',
    verb,
    requestURI: opts.requestURI ?? `/apis/rbac.authorization.k8s.io/v1/${namespace ? `namespaces/${namespace}/` : ''}${resource}${name ? `/${name}` : ''}`,
    objectRef: { resource, apiGroup: RBAC, apiVersion: 'v1', ...(name ? { name } : {}), ...(namespace ? { namespace } : {}) },
    responseStatus: { code: opts.code ?? 200 },
    ...(opts.requestObject !== undefined ? { requestObject: opts.requestObject } : {}),
    ...(opts.responseObject !== undefined ? { responseObject: opts.responseObject } : {}),
  };
}

describe('RbacModel.applyAuditEvent', () => {
  const alicePods = req({ user: 'alice', resource: 'pods', namespace: 'default', name: 'p' });

  it('delete of a binding removes the grant', () => {
    const m = loadedModel();
    expect(m.applyAuditEvent(write('delete', 'clusterrolebindings', { name: 'alice-pods', responseObject: { kind: 'Status', status: 'Success' } }))).toBe(true);
    check(m.evaluate(alicePods), 'deny');
  });

  it('delete of a RoleBinding removes the namespaced grant', () => {
    const m = loadedModel();
    expect(m.applyAuditEvent(write('delete', 'rolebindings', { name: 'bob-secrets', namespace: 'team-a' }))).toBe(true);
    check(m.evaluate(req({ user: 'bob', resource: 'secrets', namespace: 'team-a', name: 's' })), 'deny');
  });

  it('delete of the referenced role turns the grant into null (binding to an unknown role)', () => {
    const m = loadedModel();
    m.applyAuditEvent(write('delete', 'clusterroles', { name: 'pod-reader' }));
    check(m.evaluate(alicePods), 'null');
  });

  it('patch without a response body makes what depends on it null', () => {
    const m = loadedModel();
    expect(m.applyAuditEvent(write('patch', 'clusterroles', { name: 'pod-reader', requestObject: { rules: [] } }))).toBe(true);
    expect(m.evaluate(alicePods)).toEqual({ verdict: null, reason: 'ClusterRoleBinding "alice-pods" references ClusterRole "pod-reader" whose content is unknown' });
    check(m.evaluate(req({ user: 'bob', resource: 'secrets', namespace: 'team-a', name: 's' })), { rb: 'bob-secrets', ns: 'team-a', role: 'secret-reader' });
    check(m.evaluate(req({ user: 'mallory', resource: 'secrets', namespace: 'team-a' })), 'deny');
  });

  it('patch of a ClusterRoleBinding without a response body makes every non-allow null', () => {
    const m = loadedModel();
    m.applyAuditEvent(write('patch', 'clusterrolebindings', { name: 'masters', requestObject: { subjects: [] } }));
    check(m.evaluate(req({ user: 'mallory', resource: 'secrets', namespace: 'team-a' })), 'null');
    check(m.evaluate(alicePods), { crb: 'alice-pods', role: 'pod-reader' });
  });

  it('patch of a RoleBinding without a response body affects its namespace only', () => {
    const m = loadedModel();
    m.applyAuditEvent(write('patch', 'rolebindings', { name: 'bob-secrets', namespace: 'team-a' }));
    check(m.evaluate(req({ user: 'mallory', resource: 'secrets', namespace: 'team-a' })), 'null');
    check(m.evaluate(req({ user: 'mallory', resource: 'secrets', namespace: 'team-b' })), 'deny');
    check(m.evaluate(req({ user: 'bob', resource: 'secrets', namespace: 'team-a', name: 's' })), 'null'); // its content is unknown now
  });

  it('patch with a response body stores the result, which clears the doubt', () => {
    const m = loadedModel();
    m.applyAuditEvent(write('patch', 'clusterroles', { name: 'pod-reader' }));
    m.applyAuditEvent(
      write('patch', 'clusterroles', { name: 'pod-reader', requestObject: { rules: [] }, responseObject: clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }]) }),
    );
    check(m.evaluate(req({ user: 'alice', verb: 'delete', resource: 'pods', namespace: 'x', name: 'p' })), { crb: 'alice-pods', role: 'pod-reader' });
    check(m.evaluate(req({ user: 'alice', verb: 'list', resource: 'pods', namespace: 'x' })), 'deny');
  });

  it('create of a RoleBinding grants in its namespace (request body only, level Request)', () => {
    const m = loadedModel();
    const ev = write('create', 'rolebindings', { namespace: 'team-c', requestObject: rb('team-c', 'mallory-view', 'ClusterRole', 'pod-reader', [user('mallory')]) });
    expect(m.applyAuditEvent(ev)).toBe(true);
    check(m.evaluate(req({ user: 'mallory', resource: 'pods', namespace: 'team-c', name: 'p' })), { rb: 'mallory-view', ns: 'team-c', role: 'pod-reader', roleKind: 'ClusterRole' });
    check(m.evaluate(req({ user: 'mallory', resource: 'pods', namespace: 'team-a', name: 'p' })), 'deny');
  });

  it('a ClusterRole created after its aggregator is aggregated', () => {
    const m = loadedModel();
    const services = req({ user: 'mon', resource: 'services', namespace: 'x', name: 's' });
    check(m.evaluate(services), 'deny');
    m.applyAuditEvent(
      write('create', 'clusterroles', {
        responseObject: clusterRole('monitoring-services', [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }], { 'rbac.example.com/aggregate-to-monitoring': 'true' }),
      }),
    );
    check(m.evaluate(services), { crb: 'monitoring-binding', role: 'monitoring' });
    m.applyAuditEvent(write('delete', 'clusterroles', { name: 'monitoring-services' }));
    check(m.evaluate(services), 'deny');
  });

  it('an unknown ClusterRole makes an aggregated role doubtful, not wrong', () => {
    const m = loadedModel();
    m.applyAuditEvent(write('patch', 'clusterroles', { name: 'tier-c' }));
    check(m.evaluate(req({ user: 'mon', resource: 'services', namespace: 'x' })), 'null');
    check(m.evaluate(req({ user: 'mon', resource: 'endpoints', namespace: 'x' })), { crb: 'monitoring-binding', role: 'monitoring' });
  });

  it('deletecollection makes that namespace’s objects of the kind unknown', () => {
    const m = loadedModel();
    expect(m.applyAuditEvent(write('deletecollection', 'rolebindings', { namespace: 'team-a' }))).toBe(true);
    check(m.evaluate(req({ user: 'bob', resource: 'secrets', namespace: 'team-a', name: 's' })), 'null');
    check(m.evaluate(req({ user: 'bob', resource: 'configmaps', namespace: 'team-b', name: 'c' })), { rb: 'bob-b', ns: 'team-b', role: 'secret-reader' });
  });

  it('a write without any body (level Metadata) makes the object unknown', () => {
    const m = loadedModel();
    expect(m.applyAuditEvent(write('create', 'clusterrolebindings', { name: 'new-binding' }))).toBe(true);
    expect(m.size().unknown).toBe(1);
    check(m.evaluate(req({ user: 'mallory', resource: 'secrets', namespace: 'team-a' })), 'null');
  });

  it('ignores failed, dry-run, unfinished, read and non-RBAC events', () => {
    const m = loadedModel();
    const body = { responseObject: crb('x', 'cluster-admin', [user('mallory')]) };
    expect(m.applyAuditEvent(write('create', 'clusterrolebindings', { ...body, code: 403 }))).toBe(false);
    expect(m.applyAuditEvent(write('create', 'clusterrolebindings', { ...body, requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?dryRun=All' }))).toBe(false);
    expect(m.applyAuditEvent(write('create', 'clusterrolebindings', { ...body, stage: 'RequestReceived' }))).toBe(false);
    expect(m.applyAuditEvent(write('get', 'clusterrolebindings', body))).toBe(false);
    expect(m.applyAuditEvent({ ...write('create', 'clusterrolebindings', body), objectRef: { resource: 'clusterrolebindings', apiGroup: 'example.com', name: 'x' } })).toBe(false);
    expect(m.applyAuditEvent({ verb: 'create', objectRef: { resource: 'pods', namespace: 'x' }, responseStatus: { code: 201 } })).toBe(false);
    check(m.evaluate(req({ user: 'mallory', verb: 'delete', resource: 'nodes', name: 'n' })), 'deny');
  });

  it('a write with no code counts only with a response body', () => {
    const m = loadedModel();
    const ev = write('create', 'clusterrolebindings', { responseObject: crb('x', 'cluster-admin', [user('mallory')]) });
    expect(m.applyAuditEvent({ ...ev, responseStatus: undefined })).toBe(true);
    check(m.evaluate(req({ user: 'mallory', verb: 'delete', resource: 'nodes', name: 'n' })), { crb: 'x', role: 'cluster-admin' });
  });
});

// Reads ../shared/corpus: Falco's real RBAC write events, typed as the pipeline's AuditEvent.
describe('RbacModel.applyAuditEvent on Falco traces (../shared/corpus)', () => {
  const falco = (file: string) => auditEventSchema.parse(corpusLines(`falco-k8s-audit/${file}`)[0]);

  it('create ClusterRole, create ClusterRoleBinding to cluster-admin, delete it', () => {
    const m = loadedModel();
    const nodes = req({ user: 'minikube', verb: 'delete', resource: 'nodes', name: 'n1' });
    check(m.evaluate(nodes), 'deny');
    expect(m.applyAuditEvent(falco('attach_cluster_admin_role.json'))).toBe(true);
    check(m.evaluate(nodes), { crb: 'some-reader-binding', role: 'cluster-admin' });
    expect(m.applyAuditEvent(falco('create_cluster_role_pod_exec.json'))).toBe(true);
    expect(m.size().clusterRoles).toBe(18);
    expect(m.applyAuditEvent(falco('delete_clusterrolebinding.json'))).toBe(true);
    check(m.evaluate(nodes), 'deny');
  });
});

describe('RbacRegistry', () => {
  it('creates cluster models on demand from the snapshot template', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kaudit-rbac-'));
    try {
      const file = path.join(dir, 'rbac.json');
      writeFileSync(file, JSON.stringify(snapshot));
      const reg = new RbacRegistry();
      const early = reg.forCluster('early');
      check(early.evaluate(req({ user: 'alice', verb: 'delete', resource: 'pods', namespace: 'x' })), 'null');
      expect(await loadSnapshotFile(reg, file)).toEqual({ loaded: SNAPSHOT_OBJECTS, skipped: 2 });
      check(early.evaluate(req({ user: 'alice', verb: 'delete', resource: 'pods', namespace: 'x' })), 'deny'); // updated in place
      const a = reg.forCluster('a');
      const b = reg.forCluster('b');
      expect(reg.forCluster('a')).toBe(a);
      a.applyAuditEvent(write('delete', 'clusterrolebindings', { name: 'alice-pods' }));
      check(a.evaluate(req({ user: 'alice', resource: 'pods', namespace: 'x' })), 'deny');
      check(b.evaluate(req({ user: 'alice', resource: 'pods', namespace: 'x' })), { crb: 'alice-pods', role: 'pod-reader' });
      expect(reg.clusters().sort()).toEqual(['a', 'b', 'early']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('matching helpers', () => {
  const r = (x: Record<string, string[]>) => toRule(x);
  it.each([
    ['/healthz/*', '/healthz', false],
    ['/healthz/*', '/healthz/', true],
    ['/healthz/*', '/healthz/ready', true],
    ['/api*', '/apis/apps', true],
    ['/api**', '/api/v1', true],
    ['*', '/', true],
    ['/version', '/version', true],
  ])('nonResourceURL %s vs %s → %s', (rule, p, expected) => {
    expect(nonResourceURLMatches(r({ nonResourceURLs: [rule] }), p)).toBe(expected);
  });
  it.each([
    ['*/scale', 'deployments/scale', 'scale', true],
    ['*/scale', 'deployments/scales', 'scales', false],
    ['*/*', 'pods/log', 'log', false],
    ['pods/*', 'pods/log', 'log', false],
    ['pods/log', 'pods/log', 'log', true],
    ['*', 'pods/exec', 'exec', true],
  ])('resource %s vs %s → %s', (rule, combined, sub, expected) => {
    expect(resourceMatches(r({ resources: [rule] }), combined, sub)).toBe(expected);
  });
  it('resourceNames: * is literal, empty list means all', () => {
    expect(resourceNameMatches(r({ resourceNames: ['*'] }), 'x')).toBe(false);
    expect(resourceNameMatches(r({}), '')).toBe(true);
    expect(resourceNameMatches(r({ resourceNames: ['a'] }), '')).toBe(false);
  });
});

// ---- authorization reasons ----

describe('parseAuthorization', () => {
  const a = (decision: string | undefined, reason: string | undefined) => {
    const ann: Record<string, string> = {};
    if (decision !== undefined) ann['authorization.k8s.io/decision'] = decision;
    if (reason !== undefined) ann['authorization.k8s.io/reason'] = reason;
    return parseAuthorization(ann);
  };

  it('RBAC ClusterRoleBinding to a Group', () => {
    expect(a('allow', 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"')).toEqual({
      decision: 'allow',
      authorizer: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'cluster-admin' },
      role: { kind: 'ClusterRole', name: 'cluster-admin' },
      subject: { kind: 'Group', name: 'system:masters' },
    });
  });

  it('RBAC RoleBinding with namespaces (binding name/ns, ServiceAccount name/ns)', () => {
    expect(a('allow', 'RBAC: allowed by RoleBinding "builder-binding/ci" of Role "builder" to ServiceAccount "deployer/tools"')).toEqual({
      decision: 'allow',
      authorizer: 'rbac',
      binding: { kind: 'RoleBinding', name: 'builder-binding', namespace: 'ci' },
      role: { kind: 'Role', name: 'builder' },
      subject: { kind: 'ServiceAccount', name: 'deployer', namespace: 'tools' },
    });
  });

  it('RBAC RoleBinding to a ClusterRole for a User, with Go escapes in the user name', () => {
    expect(a('allow', 'RBAC: allowed by RoleBinding "edit/dev" of ClusterRole "edit" to User "o\\"brien\\u00e9"')).toMatchObject({
      binding: { kind: 'RoleBinding', name: 'edit', namespace: 'dev' },
      role: { kind: 'ClusterRole', name: 'edit' },
      subject: { kind: 'User', name: 'o"brien\u00e9' },
    });
  });

  it('RBAC resolution errors on forbid', () => {
    expect(a('forbid', 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found')).toEqual({ decision: 'forbid', authorizer: 'rbac', binding: null, role: null, subject: null });
  });

  it.each([
    "no relationship found between node 'worker-1' and this object",
    'no relationship found between node "worker-1" and this object',
    "node 'worker-1' cannot read all nodes, only its own Node object",
    "node 'worker-1' cannot get unknown pod default/web",
    'unknown node for user "system:node:"',
    'can only access node lease with the same name as the requesting node',
  ])('Node authorizer: %s', (reason) => {
    expect(a('forbid', reason)).toEqual({ decision: 'forbid', authorizer: 'node', binding: null, role: null, subject: null });
  });

  it('union of reasons on forbid: the first recognised line names the authorizer', () => {
    expect(a('forbid', "no relationship found between node 'n1' and this object\nRBAC: role.rbac.authorization.k8s.io \"x\" not found").authorizer).toBe('node');
  });

  it('ABAC denial', () => {
    expect(a('forbid', 'No policy matched.').authorizer).toBe('abac');
  });

  it('empty reason on allow is unknown (AlwaysAllow, Node, ABAC and webhooks all allow with "")', () => {
    expect(a('allow', '')).toEqual({ decision: 'allow', authorizer: 'unknown', binding: null, role: null, subject: null });
  });

  it('webhook-style free text is unknown', () => {
    expect(a('forbid', 'access denied by policy engine: team quota exceeded')).toEqual({ decision: 'forbid', authorizer: 'unknown', binding: null, role: null, subject: null });
    expect(a('allow', 'allowed by OPA policy k8s.authz')).toMatchObject({ authorizer: 'unknown' });
  });

  it('missing annotations, and an unknown decision value', () => {
    expect(parseAuthorization({})).toEqual({ decision: null, authorizer: 'unknown', binding: null, role: null, subject: null });
    expect(a(undefined, 'internal error')).toEqual({ decision: null, authorizer: 'unknown', binding: null, role: null, subject: null });
    expect(a('maybe', undefined).decision).toBeNull();
  });

  it('hand-trimmed RBAC reasons still say rbac', () => {
    expect(a('allow', 'RBAC: allowed by ClusterRoleBinding system:public-info-viewer')).toEqual({
      decision: 'allow',
      authorizer: 'rbac',
      binding: { kind: 'ClusterRoleBinding', name: 'system:public-info-viewer' },
      role: null,
      subject: null,
    });
    expect(a('allow', 'RBAC: allowed by ClusterRoleBinding')).toMatchObject({ authorizer: 'rbac', binding: null, role: null });
  });
});

// Reads ../shared/corpus: every authorization annotation pair in the Panther tests and the Sysdig AKS capture
// (Events may be nested as JSON strings in Azure `properties.log`).
describe('parseAuthorization on the corpus (../shared/corpus)', () => {
  function annotationsIn(value: unknown, out: Record<string, string>[]): void {
    if (typeof value === 'string') {
      const t = value.trim();
      if (t.startsWith('{')) {
        try {
          annotationsIn(JSON.parse(t), out);
        } catch {
          // not JSON after all
        }
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value) annotationsIn(v, out);
      return;
    }
    if (value !== null && typeof value === 'object') {
      const ann = (value as { annotations?: unknown }).annotations;
      if (ann !== null && typeof ann === 'object' && ('authorization.k8s.io/reason' in ann || 'authorization.k8s.io/decision' in ann)) {
        const strings: Record<string, string> = {};
        for (const [k, v] of Object.entries(ann)) if (typeof v === 'string') strings[k] = v;
        out.push(strings);
      }
      for (const v of Object.values(value)) annotationsIn(v, out);
    }
  }

  const found: Record<string, string>[] = [];
  annotationsIn(corpusLines('panther-analysis/panther_k8s_tests.jsonl'), found);
  const sysdig = path.join(corpusDir, 'sysdig-aks-audit-log');
  for (const f of readdirSync(sysdig)) annotationsIn(JSON.parse(readFileSync(path.join(sysdig, f), 'utf8').replace(/^\uFEFF/, '')) as unknown, found);

  it('finds the corpus annotations', () => {
    expect(found.length).toBeGreaterThan(40);
  });

  it('parses each without throwing; full RBAC grants yield binding, role and subject', () => {
    const full = /^RBAC: allowed by \w+ ".*" of \w+ ".*" to \w+ ".*"$/;
    let rbacGrants = 0;
    for (const ann of found) {
      const parsed = parseAuthorization(ann);
      const reason = ann['authorization.k8s.io/reason'] ?? '';
      if (reason.startsWith('RBAC:')) expect(parsed.authorizer).toBe('rbac');
      else expect(parsed.authorizer).toBe('unknown'); // the corpus has only RBAC and empty reasons
      if (full.test(reason)) {
        rbacGrants++;
        expect(parsed.binding?.name).toBeTruthy();
        expect(parsed.role?.name).toBeTruthy();
        expect(parsed.subject?.name).toBeTruthy();
        if (parsed.binding?.kind === 'RoleBinding') expect(parsed.binding.namespace).toBeTruthy();
        if (parsed.subject?.kind === 'ServiceAccount') expect(parsed.subject.namespace).toBeTruthy();
      }
    }
    expect(rbacGrants).toBeGreaterThanOrEqual(20);
  });

  it('reads the real AKS and EKS shapes exactly', () => {
    const reasons = new Set(found.map((x) => x['authorization.k8s.io/reason']));
    const eks = 'RBAC: allowed by RoleBinding "eks:addon-manager/kube-system" of Role "eks:addon-manager" to User "eks:addon-manager"';
    const aks = 'RBAC: allowed by ClusterRoleBinding "system:coredns" of ClusterRole "system:coredns" to ServiceAccount "coredns/kube-system"';
    expect(reasons.has(eks) && reasons.has(aks)).toBe(true);
    expect(parseAuthorization({ 'authorization.k8s.io/reason': eks })).toMatchObject({
      binding: { kind: 'RoleBinding', name: 'eks:addon-manager', namespace: 'kube-system' },
      role: { kind: 'Role', name: 'eks:addon-manager' },
      subject: { kind: 'User', name: 'eks:addon-manager' },
    });
    expect(parseAuthorization({ 'authorization.k8s.io/reason': aks })).toMatchObject({
      binding: { kind: 'ClusterRoleBinding', name: 'system:coredns' },
      subject: { kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' },
    });
  });
});
