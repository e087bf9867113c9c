// Reads ../shared/corpus (audit2rbac real capture, Falco traces, Panther tests) for the corpus checks at the end.
// The vector table is our own, written from the behaviour of kube-apiserver's RequestInfoFactory.NewRequestInfo
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go) with prefixes {api, apis} and groupless prefix {api}.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveAttributes, httpMethodOf, resolveRequestInfo, type AuditEventLike, type DerivedAttributes, type RequestInfo } from '#shared/engine/request-info';
import { corpusDir, corpusLines, pantherTests } from '#shared/testing';

/**
 * Expected resource request. `gv` is 'v1' (core group, prefix api) or '<group>/<version>' (prefix apis). By default
 * resource, name and subresource are parts[0..2] and the path is the URI before '?'.
 */
function R(
  verb: string,
  gv: string,
  namespace: string,
  parts: string[],
  over: Partial<RequestInfo> = {},
): Partial<RequestInfo> & Omit<RequestInfo, 'path'> {
  const slash = gv.indexOf('/');
  return {
    isResourceRequest: true,
    verb,
    apiPrefix: slash < 0 ? 'api' : 'apis',
    apiGroup: slash < 0 ? '' : gv.slice(0, slash),
    apiVersion: slash < 0 ? gv : gv.slice(slash + 1),
    namespace,
    resource: parts[0] ?? '',
    name: parts[1] ?? '',
    subresource: parts[2] ?? '',
    parts,
    ...over,
  };
}

/** Every field a non-resource request leaves empty (the type makes this the complete list). */
const noResource: Omit<RequestInfo, 'isResourceRequest' | 'path' | 'verb'> = { apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };

/** Expected non-resource request (verb = lowercase HTTP method). */
function N(verb: string, over: Partial<RequestInfo> = {}): Partial<RequestInfo> & Omit<RequestInfo, 'path'> {
  return { isResourceRequest: false, verb, ...noResource, ...over };
}

const ns = '/api/v1/namespaces/team-a';
const pods = `${ns}/pods`;

// [method, requestURI, expected]
const vectors: [string, string, ReturnType<typeof R>][] = [
  // --- core group, cluster-scoped and namespaced, verbs from the HTTP method
  ['GET', '/api/v1/nodes', R('list', 'v1', '', ['nodes'])],
  ['GET', '/api/v1/nodes/worker-1', R('get', 'v1', '', ['nodes', 'worker-1'])],
  ['HEAD', '/api/v1/nodes/worker-1', R('get', 'v1', '', ['nodes', 'worker-1'])],
  ['HEAD', '/api/v1/nodes', R('list', 'v1', '', ['nodes'])],
  ['GET', '/api/v1/pods', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods/', R('list', 'v1', '', ['pods'])],
  ['GET', `${ns}/configmaps`, R('list', 'v1', 'team-a', ['configmaps'])],
  ['GET', `${ns}/configmaps/settings`, R('get', 'v1', 'team-a', ['configmaps', 'settings'])],
  ['POST', `${ns}/configmaps`, R('create', 'v1', 'team-a', ['configmaps'])],
  ['PUT', `${ns}/configmaps/settings`, R('update', 'v1', 'team-a', ['configmaps', 'settings'])],
  ['PATCH', `${ns}/configmaps/settings`, R('patch', 'v1', 'team-a', ['configmaps', 'settings'])],
  ['DELETE', `${ns}/configmaps/settings`, R('delete', 'v1', 'team-a', ['configmaps', 'settings'])],
  ['DELETE', `${ns}/configmaps`, R('deletecollection', 'v1', 'team-a', ['configmaps'])],
  ['DELETE', '/api/v1/nodes', R('deletecollection', 'v1', '', ['nodes'])],
  ['OPTIONS', `${ns}/configmaps/settings`, R('', 'v1', 'team-a', ['configmaps', 'settings'])],
  ['get', `${ns}/configmaps/settings`, R('', 'v1', 'team-a', ['configmaps', 'settings'])],
  // --- the namespaces resource and its subresources
  ['GET', '/api/v1/namespaces', R('list', 'v1', '', ['namespaces'])],
  ['DELETE', '/api/v1/namespaces', R('deletecollection', 'v1', '', ['namespaces'])],
  ['GET', ns, R('get', 'v1', 'team-a', ['namespaces', 'team-a'])],
  ['DELETE', ns, R('delete', 'v1', 'team-a', ['namespaces', 'team-a'])],
  ['PUT', `${ns}/status`, R('update', 'v1', 'team-a', ['namespaces', 'team-a', 'status'])],
  ['PUT', `${ns}/finalize`, R('update', 'v1', 'team-a', ['namespaces', 'team-a', 'finalize'])],
  ['GET', `${ns}/status/extra`, R('get', 'v1', 'team-a', ['namespaces', 'team-a', 'status', 'extra'])],
  ['GET', '/api/v1/namespaces/watch', R('get', 'v1', 'watch', ['namespaces', 'watch'])],
  // --- subresources; extra parts after the subresource stay in parts only
  ['GET', `${pods}/web-0/log`, R('get', 'v1', 'team-a', ['pods', 'web-0', 'log'])],
  ['GET', `${pods}/web-0/log?container=app&follow=true`, R('get', 'v1', 'team-a', ['pods', 'web-0', 'log'])],
  ['POST', `${pods}/web-0/exec?command=sh&stdin=true`, R('create', 'v1', 'team-a', ['pods', 'web-0', 'exec'])],
  ['GET', `${pods}/web-0/exec?command=sh&stdin=true`, R('get', 'v1', 'team-a', ['pods', 'web-0', 'exec'])],
  ['POST', `${pods}/web-0/attach?stdout=true`, R('create', 'v1', 'team-a', ['pods', 'web-0', 'attach'])],
  ['POST', `${pods}/web-0/portforward?ports=8080`, R('create', 'v1', 'team-a', ['pods', 'web-0', 'portforward'])],
  ['POST', `${pods}/web-0/eviction`, R('create', 'v1', 'team-a', ['pods', 'web-0', 'eviction'])],
  ['PUT', `${pods}/web-0/status`, R('update', 'v1', 'team-a', ['pods', 'web-0', 'status'])],
  ['GET', `${pods}/web-0/ephemeralcontainers`, R('get', 'v1', 'team-a', ['pods', 'web-0', 'ephemeralcontainers'])],
  ['POST', `${ns}/serviceaccounts/builder/token`, R('create', 'v1', 'team-a', ['serviceaccounts', 'builder', 'token'])],
  ['GET', `${pods}/web-0/proxy/metrics/raw`, R('get', 'v1', 'team-a', ['pods', 'web-0', 'proxy', 'metrics', 'raw'])],
  ['GET', `${ns}/services/https:frontend:8443/proxy/`, R('get', 'v1', 'team-a', ['services', 'https:frontend:8443', 'proxy'])],
  ['GET', '/api/v1/nodes/worker-1/proxy/stats/summary', R('get', 'v1', '', ['nodes', 'worker-1', 'proxy', 'stats', 'summary'])],
  ['GET', `${pods}/watch`, R('get', 'v1', 'team-a', ['pods', 'watch'])],
  // --- named API groups
  ['GET', '/apis/apps/v1/namespaces/team-a/deployments', R('list', 'apps/v1', 'team-a', ['deployments'])],
  ['GET', '/apis/apps/v1/namespaces/team-a/deployments/api', R('get', 'apps/v1', 'team-a', ['deployments', 'api'])],
  ['PATCH', '/apis/apps/v1/namespaces/team-a/deployments/api/scale', R('patch', 'apps/v1', 'team-a', ['deployments', 'api', 'scale'])],
  ['POST', '/apis/batch/v1/namespaces/team-a/jobs', R('create', 'batch/v1', 'team-a', ['jobs'])],
  ['DELETE', '/apis/batch/v1/namespaces/team-a/jobs', R('deletecollection', 'batch/v1', 'team-a', ['jobs'])],
  ['GET', '/apis/batch/v1/cronjobs', R('list', 'batch/v1', '', ['cronjobs'])],
  ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', R('list', 'rbac.authorization.k8s.io/v1', '', ['clusterroles'])],
  ['PUT', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/ops', R('update', 'rbac.authorization.k8s.io/v1', '', ['clusterrolebindings', 'ops'])],
  ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', R('create', 'authorization.k8s.io/v1', '', ['selfsubjectaccessreviews'])],
  ['POST', '/apis/authentication.k8s.io/v1/tokenreviews', R('create', 'authentication.k8s.io/v1', '', ['tokenreviews'])],
  ['GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', R('get', 'coordination.k8s.io/v1', 'kube-system', ['leases', 'kube-scheduler'])],
  ['GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com', R('get', 'apiextensions.k8s.io/v1', '', ['customresourcedefinitions', 'widgets.example.com'])],
  ['PUT', '/apis/example.com/v1alpha1/namespaces/team-a/widgets/w1/status', R('update', 'example.com/v1alpha1', 'team-a', ['widgets', 'w1', 'status'])],
  ['GET', '/apis/metrics.k8s.io/v1beta1/nodes', R('list', 'metrics.k8s.io/v1beta1', '', ['nodes'])],
  ['GET', '/apis/g/v/r', R('list', 'g/v', '', ['r'])],
  // --- list vs watch from the query (Go bool conversion: only "0" and "false" in any case are false)
  ['GET', '/api/v1/pods?watch=true', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=1', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=True', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=yes', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=false', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=FALSE', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=0', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=fal%C5%BFe', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=false&watch=true', R('list', 'v1', '', ['pods'])],
  // ...a failed ListOptions decode falls back to a lowercase compare, where 'falſe' is not false
  ['GET', '/api/v1/pods?watch=fal%C5%BFe&limit=x', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?Watch=true', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?%77atch=1', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=true;x=1', R('list', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?watch=%zz&watch=1', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/pods?limit=500&resourceVersion=0', R('list', 'v1', '', ['pods'])],
  [
    'GET',
    '/apis/apps/v1/namespaces/team-a/deployments?allowWatchBookmarks=true&resourceVersion=12345&timeoutSeconds=300&watch=true',
    R('watch', 'apps/v1', 'team-a', ['deployments']),
  ],
  ['GET', `${pods}/web-0?watch=true`, R('get', 'v1', 'team-a', ['pods', 'web-0'])],
  ['POST', `${pods}?watch=true`, R('create', 'v1', 'team-a', ['pods'])],
  ['DELETE', `${pods}?watch=true`, R('deletecollection', 'v1', 'team-a', ['pods'])],
  // --- deprecated verb prefixes /watch/ and /proxy/ (only right after the version, and only with parts after them)
  ['GET', '/api/v1/watch/pods', R('watch', 'v1', '', ['pods'])],
  ['GET', '/api/v1/watch/namespaces', R('watch', 'v1', '', ['namespaces'])],
  ['GET', '/api/v1/watch/namespaces/team-a', R('watch', 'v1', 'team-a', ['namespaces', 'team-a'])],
  ['GET', '/api/v1/watch/namespaces/team-a/pods', R('watch', 'v1', 'team-a', ['pods'])],
  ['GET', '/api/v1/watch/namespaces/team-a/pods/web-0', R('watch', 'v1', 'team-a', ['pods', 'web-0'])],
  ['GET', '/apis/apps/v1/watch/namespaces/team-a/deployments?fieldSelector=metadata.name%3Dapi', R('watch', 'apps/v1', 'team-a', ['deployments'])],
  ['GET', '/api/v1/proxy/namespaces/team-a/pods/web-0', R('proxy', 'v1', 'team-a', ['pods', 'web-0'])],
  ['GET', '/api/v1/proxy/namespaces/team-a/pods/web-0/healthz/ready', R('proxy', 'v1', 'team-a', ['pods', 'web-0', 'healthz', 'ready'], { subresource: '' })],
  ['POST', '/api/v1/proxy/nodes/worker-1/exec', R('proxy', 'v1', '', ['nodes', 'worker-1', 'exec'], { subresource: '' })],
  ['GET', '/api/v1/watch', R('get', 'v1', '', [])],
  ['POST', '/apis/apps/v1/proxy', R('post', 'apps/v1', '', [])],
  ['GET', '/api/v1/watch/', R('get', 'v1', '', [], { path: '/api/v1/watch/' })],
  // --- fieldSelector=metadata.name=<n> names a list/watch (verb unchanged); invalid ListOptions drop the name
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name=web-0`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3D%3Dweb-0`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?watch=1&fieldSelector=metadata.name%3Dweb-0`, R('watch', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['HEAD', `${pods}?fieldSelector=metadata.name%3Dweb-0`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name!%3Dweb-0`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=spec.nodeName%3Dworker-1`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=spec.nodeName%3Dworker-1%2Cmetadata.name%3Dweb-0`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dzeta%2Cmetadata.name%3Dalpha`, R('list', 'v1', 'team-a', ['pods'], { name: 'alpha' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&fieldSelector=metadata.name%3Dother`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3Da%5C%2Cb`, R('list', 'v1', 'team-a', ['pods'], { name: 'a,b' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0%2Cbogus`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0%2Cbogus&watch=true`, R('watch', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Da%5Cb`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3D..`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Da%252Fb`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3D`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=app%3Dweb`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  [
    'GET',
    `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=!canary,tier%20notin%20(a,b),app.kubernetes.io/name%20in%20(web,),env,rev>3`,
    R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' }),
  ],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=%3D%3D`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=app%3D-bad-`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=rev>three`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=app%20in%20(web`, R('list', 'v1', 'team-a', ['pods'])],
  // the label lexer stops at NUL: trailing NUL is fine, text after it is a stray token
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=app%3Dweb%00`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&labelSelector=app%3Dweb%00tier`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&limit=500&timeoutSeconds=-1`, R('list', 'v1', 'team-a', ['pods'], { name: 'web-0' })],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&limit=abc`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&timeoutSeconds=`, R('list', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}?fieldSelector=metadata.name%3Dweb-0&limit=9223372036854775808`, R('list', 'v1', 'team-a', ['pods'])],
  ['DELETE', `${pods}?fieldSelector=metadata.name%3Dweb-0`, R('deletecollection', 'v1', 'team-a', ['pods'])],
  ['GET', `${pods}/web-0?fieldSelector=metadata.name%3Dother`, R('get', 'v1', 'team-a', ['pods', 'web-0'])],
  // --- URL escapes: the whole path is decoded before splitting (Go's URL.Path)
  ['GET', `${ns}/configmaps/a%2Fb`, R('get', 'v1', 'team-a', ['configmaps', 'a', 'b'], { path: `${ns}/configmaps/a/b` })],
  ['GET', '/api/v1/namespaces/team%2Da/configmaps', R('list', 'v1', 'team-a', ['configmaps'], { path: `${ns}/configmaps` })],
  ['GET', `${ns}/configmaps/caf%C3%A9`, R('get', 'v1', 'team-a', ['configmaps', 'café'], { path: `${ns}/configmaps/café` })],
  ['GET', `${ns}/configmaps/x%FF`, R('get', 'v1', 'team-a', ['configmaps', 'x\uFFFD'], { path: `${ns}/configmaps/x\uFFFD` })],
  ['GET', `${ns}/configmaps/a+b`, R('get', 'v1', 'team-a', ['configmaps', 'a+b'])],
  ['GET', `${ns}/configmaps/settings#frag`, R('get', 'v1', 'team-a', ['configmaps', 'settings#frag'])],
  ['GET', '//api//v1/pods', R('get', 'v1', '', ['v1', 'pods'], { apiVersion: '' })],
  ['GET', 'https://kube.example:6443/api/v1/nodes?limit=1', R('list', 'v1', '', ['nodes'], { path: '/api/v1/nodes' })],
  // --- non-resource requests
  ['GET', '/', N('get')],
  ['GET', '/api', N('get')],
  ['GET', '/api/', N('get')],
  ['GET', '/apis', N('get')],
  ['GET', '/apis/apps', N('get')],
  ['GET', '/api/v1', N('get')],
  ['GET', '/apis/apps/v1', N('get', { apiPrefix: 'apis' })],
  ['GET', '/apis/apps/v1/', N('get', { apiPrefix: 'apis' })],
  ['GET', '/healthz', N('get')],
  ['GET', '/readyz?verbose', N('get')],
  ['GET', '/livez/etcd', N('get')],
  ['HEAD', '/version', N('head')],
  ['GET', '/metrics', N('get')],
  ['GET', '/openapi/v2', N('get')],
  ['GET', '/openapi/v3/apis/apps/v1', N('get')],
  ['GET', '/logs/kube-apiserver.log', N('get')],
  ['POST', '/logs', N('post')],
  ['PUT', '/healthz', N('put')],
  ['GET', '/apiv1/pods/x', N('get')],
  ['GET', '/version/extra/parts', N('get')],
  ['OPTIONS', '*', N('options')],
  // --- URIs Go's url.ParseRequestURI rejects: non-resource, path = raw text before '?'
  ['GET', '', N('get')],
  ['GET', 'api/v1/pods', N('get')],
  ['GET', `${ns}/configmaps/%zz?watch=1`, N('get')],
  ['GET', `${ns}/configmaps/%`, N('get')],
  ['GET', '/api/v1/pods\n', N('get')],
  ['GET', ':/api/v1/pods', N('get')],
];

describe('resolveRequestInfo', () => {
  it('has a broad table', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(70);
  });

  it.each(vectors)('%s %s', (method, uri, want) => {
    const q = uri.indexOf('?');
    const expected: RequestInfo = { path: q < 0 ? uri : uri.slice(0, q), ...want };
    expect(resolveRequestInfo(uri, method)).toEqual(expected);
  });

  it('never throws on hostile input', () => {
    const pieces = [
      '%', '%%', '%zz', '%2', '%2F', '%00', '%FF', '%C3', '%E2%82', '//', '/', '../', './', '..', '?', '??', '#', ';', '&', '=',
      '+', '\\', 'api', 'apis', 'v1', 'namespaces', 'watch', 'proxy', 'status', 'finalize', 'pods', 'é', '日本', '\u{1F600}',
      '\uD800', '\uDFFF', ' ', '\t', '\u0000', '\u007f', '*', 'http:', 'x:', '?watch', '?watch=1', '?fieldSelector=metadata.name%3D',
      '?labelSelector=a%20in%20(', '(', ')', ',', '!', '<', '>', 'in', 'notin', '\u017f', 'metadata.name', '%5C',
    ];
    let seed = 0x2545f491;
    const next = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const inputs: string[] = ['', '/', '?', '%', '*', 'x'.repeat(100_000), `/api/v1/namespaces/${'a/'.repeat(5_000)}`, `/api/v1/pods?${'watch&'.repeat(5_000)}`];
    for (let i = 0; i < 200; i++) {
      let s = next(3) === 0 ? '' : '/';
      const count = 1 + next(12);
      for (let j = 0; j < count; j++) s += pieces[next(pieces.length)] ?? '';
      inputs.push(s);
    }
    const methods = ['GET', 'POST', 'DELETE', 'HEAD', 'BREW', ''];
    for (const [i, input] of inputs.entries()) {
      const method = methods[i % methods.length] ?? 'GET';
      const info = resolveRequestInfo(input, method);
      expect(typeof info.path).toBe('string');
      expect(typeof info.verb).toBe('string');
      expect(Array.isArray(info.parts)).toBe(true);
      if (!info.isResourceRequest) expect(info.parts).toEqual([]);
      expect(() => deriveAttributes({ requestURI: input, verb: 'get', objectRef: { resource: 'pods', name: 'x' } })).not.toThrow();
    }
  });

  it('never throws on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('GET', 'PUT', 'DELETE', 'x'), (s, m) => {
        const info = resolveRequestInfo(s, m);
        return typeof info.verb === 'string' && typeof info.path === 'string';
      }),
      { numRuns: 2000 },
    );
  });
});

describe('httpMethodOf', () => {
  it.each([
    ['get', 'GET'],
    ['list', 'GET'],
    ['watch', 'GET'],
    ['create', 'POST'],
    ['update', 'PUT'],
    ['patch', 'PATCH'],
    ['delete', 'DELETE'],
    ['deletecollection', 'DELETE'],
    ['post', 'POST'],
    ['put', 'PUT'],
    ['head', 'HEAD'],
    ['options', 'OPTIONS'],
    ['proxy', 'GET'],
    ['impersonate', 'GET'],
    ['', 'GET'],
    [undefined, 'GET'],
  ] as const)('%s → %s', (verb, method) => {
    expect(httpMethodOf(verb)).toBe(method);
  });
});

describe('deriveAttributes', () => {
  const base = (over: Partial<AuditEventLike>): AuditEventLike => ({
    requestURI: '/api/v1/namespaces/team-a/pods/web-0',
    verb: 'get',
    objectRef: { resource: 'pods', namespace: 'team-a', name: 'web-0', apiVersion: 'v1' },
    ...over,
  });
  /** What deriveAttributes gives for `base({})` (get pod team-a/web-0), and for another request with `over`. */
  const webPod = (over: Partial<DerivedAttributes> = {}): DerivedAttributes => ({
    derivedVerb: 'get',
    isResourceRequest: true,
    apiGroup: '',
    apiVersion: 'v1',
    namespace: 'team-a',
    resource: 'pods',
    subresource: null,
    name: 'web-0',
    path: '/api/v1/namespaces/team-a/pods/web-0',
    attributeMismatches: [],
    ...over,
  });
  /** What deriveAttributes gives for a non-resource request: no attribute but the verb and the path. */
  const nonResource = (derivedVerb: string, path: string): DerivedAttributes => ({
    derivedVerb,
    isResourceRequest: false,
    apiGroup: null,
    apiVersion: null,
    namespace: null,
    resource: null,
    subresource: null,
    name: null,
    path,
    attributeMismatches: [],
  });

  it('derives the attributes and agrees with a consistent event', () => {
    expect(deriveAttributes(base({}))).toEqual(webPod());
  });

  it('flags a recorded get on a URI without a name (kube-apiserver would say list)', () => {
    const d = deriveAttributes(base({ requestURI: '/api/v1/namespaces/team-a/pods', objectRef: { resource: 'pods', namespace: 'team-a' } }));
    expect(d.derivedVerb).toBe('list');
    expect(d.attributeMismatches).toEqual(['verb']);
  });

  it('flags a recorded list of a watch URI', () => {
    expect(deriveAttributes(base({ requestURI: '/api/v1/secrets?watch=true', verb: 'list', objectRef: null })).attributeMismatches).toEqual(['verb']);
  });

  it('flags objectRef fields that differ from the URI', () => {
    expect(deriveAttributes(base({ objectRef: { resource: 'pods', namespace: 'team-b', name: 'web-0' } })).attributeMismatches).toEqual(['namespace']);
    expect(deriveAttributes(base({ objectRef: { resource: 'secrets', name: 'web-1' } })).attributeMismatches).toEqual(['resource', 'name']);
    expect(deriveAttributes(base({ objectRef: { resource: 'pods', subresource: 'log', apiGroup: 'apps', apiVersion: 'apps/v1' } })).attributeMismatches).toEqual([
      'subresource',
      'apiGroup',
      'apiVersion',
    ]);
  });

  it('accepts get and create for exec, attach and portforward', () => {
    for (const sub of ['exec', 'attach', 'portforward']) {
      for (const verb of ['get', 'create']) {
        const d = deriveAttributes({
          requestURI: `/api/v1/namespaces/team-a/pods/web-0/${sub}?stdout=true`,
          verb,
          objectRef: { resource: 'pods', namespace: 'team-a', name: 'web-0', subresource: sub, apiVersion: 'v1' },
        });
        expect(d.derivedVerb).toBe(verb);
        expect(d.attributeMismatches).toEqual([]);
      }
    }
  });

  it('treats an absent or empty core apiGroup and missing objectRef fields as nothing to compare', () => {
    expect(deriveAttributes(base({ objectRef: { resource: 'pods', apiGroup: '' } })).attributeMismatches).toEqual([]);
    expect(deriveAttributes(base({ objectRef: {} })).attributeMismatches).toEqual([]);
    expect(deriveAttributes(base({ objectRef: undefined })).attributeMismatches).toEqual([]);
    expect(deriveAttributes(base({ objectRef: null, verb: undefined })).attributeMismatches).toEqual([]);
  });

  it('accepts a create whose objectRef name comes from the request body', () => {
    const d = deriveAttributes({ requestURI: '/api/v1/namespaces', verb: 'create', objectRef: { resource: 'namespaces', name: 'team-c', apiVersion: 'v1' } });
    expect(d.name).toBeNull();
    expect(d.attributeMismatches).toEqual([]);
    // ...but not on a get, where only the URI can name the object
    expect(deriveAttributes(base({ requestURI: '/api/v1/namespaces/team-a/pods', verb: 'list', objectRef: { name: 'web-0' } })).attributeMismatches).toEqual([
      'name',
    ]);
  });

  it('takes the name of a list from fieldSelector=metadata.name', () => {
    const d = deriveAttributes({
      requestURI: '/api/v1/namespaces/team-a/configmaps?fieldSelector=metadata.name%3Dsettings&watch=true',
      verb: 'watch',
      objectRef: { resource: 'configmaps', namespace: 'team-a', name: 'settings', apiVersion: 'v1' },
    });
    expect(d).toMatchObject({ derivedVerb: 'watch', name: 'settings', attributeMismatches: [] });
  });

  it('handles non-resource requests', () => {
    expect(deriveAttributes({ requestURI: '/apis/apps/v1', verb: 'get' })).toEqual(nonResource('get', '/apis/apps/v1'));
    expect(deriveAttributes({ requestURI: '/logs/audit.log', verb: 'post' })).toMatchObject({ derivedVerb: 'post', attributeMismatches: [] });
    expect(deriveAttributes({ requestURI: '/healthz', verb: 'get', objectRef: { resource: 'pods' } }).attributeMismatches).toEqual(['resource']);
  });

  it('derives nothing without a requestURI', () => {
    expect(deriveAttributes({ verb: 'create', objectRef: { resource: 'pods', namespace: 'team-a', name: 'web-0', apiVersion: 'v1' } })).toEqual(webPod({ derivedVerb: 'create', path: '' }));
    expect(deriveAttributes({})).toEqual(nonResource('', ''));
  });

  it('tolerates JSON that does not match the types', () => {
    const odd = { requestURI: 42, verb: ['get'], objectRef: { resource: 7, name: null } } as unknown as AuditEventLike;
    expect(() => deriveAttributes(odd)).not.toThrow();
    expect(deriveAttributes(odd).attributeMismatches).toEqual([]);
  });
});

describe('deriveAttributes over ../shared/corpus', () => {
  const withUri = (events: unknown[]): AuditEventLike[] =>
    events.filter((e): e is AuditEventLike => typeof e === 'object' && e !== null && typeof (e as { requestURI?: unknown }).requestURI === 'string');

  it('agrees with every event of the audit2rbac real capture', () => {
    const events = withUri(corpusLines('audit2rbac/demo.log'));
    expect(events).toHaveLength(37);
    const disagreements = events
      .map((e) => ({ verb: e.verb, uri: e.requestURI, mismatches: deriveAttributes(e).attributeMismatches }))
      .filter((x) => x.mismatches.length > 0);
    expect(disagreements).toEqual([]);
  });

  it('runs over the Falco traces without throwing; they agree (create names come from the body)', () => {
    const files = readdirSync(path.join(corpusDir, 'falco-k8s-audit')).filter((f) => f.endsWith('.json'));
    const events = withUri(files.flatMap((f) => corpusLines(`falco-k8s-audit/${f}`)));
    expect(events.length).toBeGreaterThanOrEqual(50);
    const disagreements = events.filter((e) => deriveAttributes(e).attributeMismatches.length > 0);
    expect(disagreements).toEqual([]);
  });

  it('runs over the Panther k8s_audit_event tests; only hand-written events disagree', () => {
    const logs = pantherTests()
      .filter((t) => t.format === 'k8s_audit_event')
      .map((t) => ({ name: `${t.source_file} / ${t.test_name}`, log: t.log }));
    for (const { log } of logs) expect(() => deriveAttributes(log)).not.toThrow();
    const disagreements = logs
      .filter(({ log }) => typeof log.requestURI === 'string')
      .map(({ name, log }) => ({ name, mismatches: deriveAttributes(log).attributeMismatches }))
      .filter((x) => x.mismatches.length > 0);
    // objectRef.apiVersion written as "<group>/<version>" (kube-apiserver records the bare version) and a verb
    // "list" for a ?watch=true URI (kube-apiserver records watch).
    expect(disagreements).toEqual([
      { name: 'kubernetes_rules/k8s_cronjob_created_or_modified.yml / EKS CronJob Created', mismatches: ['apiVersion'] },
      { name: 'kubernetes_rules/k8s_daemonset_created.yml / EKS DaemonSet Created', mismatches: ['apiVersion'] },
      { name: 'kubernetes_rules/k8s_secrets_dump_all_namespaces.yml / EKS cluster-wide secret list with watch parameter', mismatches: ['verb'] },
    ]);
  });
});
