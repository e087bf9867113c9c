// GKE Cloud Audit Log entries → audit.k8s.io Events (shared/contracts/gke-audit-log.ts). The hand-written
// entries follow GKE's LogEntry layout (resource k8s_cluster, protoPayload AuditLog of service k8s.io, the
// audit annotations in `labels`, operation.id = insertId); the corpus part reads Panther's GKE tests from
// ../shared/corpus/panther-analysis/panther_k8s_tests.jsonl.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEventParser, auditEventSchema, convertedFromAnnotation, decode, gkeAuditEvent, gkeClusterOf, gkeConverted, gkeDelegationExtra, isCloudLogEntry, isGkeLogEntry } from '#shared/contracts';
import { builtinRules, createEngine, normalize } from '#shared/engine';
import { envelopeOf, pantherTests } from '#shared/testing';

const auditLog = 'type.googleapis.com/google.cloud.audit.AuditLog';

/** A GKE entry: `payload` laid over a protoPayload of service k8s.io, `fields` over the LogEntry. */
function entry(payload: Record<string, unknown>, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    insertId: '5b0d4c8e-2f7a-4a51-9c3e-0d1e2f3a4b5c',
    logName: 'projects/shop-prod/logs/cloudaudit.googleapis.com%2Factivity',
    operation: { id: '5b0d4c8e-2f7a-4a51-9c3e-0d1e2f3a4b5c', producer: 'k8s.io', first: true, last: true },
    resource: { type: 'k8s_cluster', labels: { project_id: 'shop-prod', location: 'europe-west1', cluster_name: 'prod-eu' } },
    timestamp: '2026-03-01T10:00:00.123456Z',
    receiveTimestamp: '2026-03-01T10:00:07.654321012Z',
    labels: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'access granted by IAM permissions.' },
    protoPayload: {
      '@type': auditLog,
      serviceName: 'k8s.io',
      authenticationInfo: { principalEmail: 'jane@example.com' },
      requestMetadata: { callerIp: '203.0.113.7', callerSuppliedUserAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' },
      status: {},
      ...payload,
    },
    ...fields,
  };
}

function converted(e: unknown): Record<string, unknown> {
  const c = gkeAuditEvent(e);
  if (!c.ok) throw new Error(`expected a conversion, got: ${c.reason}`);
  return c.event;
}

function reasonOf(e: unknown): string {
  const c = gkeAuditEvent(e);
  if (c.ok) throw new Error('expected no conversion');
  return c.reason;
}

/** What the engine derives from the Event (request attributes re-derived from its URI among them). */
const recordOf = (event: Record<string, unknown>) => normalize(envelopeOf(event));

const fired = (event: Record<string, unknown>) =>
  createEngine({ rules: builtinRules })
    .analyze(envelopeOf(event))
    .findings.map((f) => f.ruleId);

const podCreate = entry({
  methodName: 'io.k8s.core.v1.pods.create',
  resourceName: 'core/v1/namespaces/default/pods/nginx',
  authorizationInfo: [{ permission: 'io.k8s.core.v1.pods.create', granted: true, resource: 'core/v1/namespaces/default/pods/nginx' }],
  request: { '@type': 'core.k8s.io/v1.Pod', apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', securityContext: { privileged: true } }] } },
  response: {
    '@type': 'core.k8s.io/v1.Pod',
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default', uid: '7c1f9a52-0a6e-4d0b-9f2e-3b4c5d6e7f80', resourceVersion: '1042' },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', securityContext: { privileged: true } }] },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  },
});

describe('gkeAuditEvent: field by field', () => {
  it('converts a pod create with request and response into the Event kube-apiserver would have written', () => {
    expect(converted(podCreate)).toEqual({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: '5b0d4c8e-2f7a-4a51-9c3e-0d1e2f3a4b5c',
      stage: 'ResponseComplete',
      // a create is POSTed to the collection; the name is in the body (and in objectRef)
      requestURI: '/api/v1/namespaces/default/pods',
      verb: 'create',
      user: { username: 'jane@example.com' },
      sourceIPs: ['203.0.113.7'],
      userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
      objectRef: { resource: 'pods', namespace: 'default', name: 'nginx', apiGroup: '', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', securityContext: { privileged: true } }] } },
      responseObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'nginx', namespace: 'default', uid: '7c1f9a52-0a6e-4d0b-9f2e-3b4c5d6e7f80', resourceVersion: '1042' },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', securityContext: { privileged: true } }] },
        status: { phase: 'Pending', qosClass: 'BestEffort' },
      },
      requestReceivedTimestamp: '2026-03-01T10:00:00.123456Z',
      stageTimestamp: '2026-03-01T10:00:00.123456Z',
      annotations: {
        'authorization.k8s.io/decision': 'allow',
        'authorization.k8s.io/reason': 'access granted by IAM permissions.',
        [convertedFromAnnotation]: gkeConverted,
      },
    });
  });

  it('yields an Event the schema accepts as it is, whose URI says what objectRef says, and that the rules judge', () => {
    const event = converted(podCreate);
    const parsed = decode(auditEventParser, event, 'an audit event');
    expect(parsed.ok && parsed.value).toBe(event);
    expect(recordOf(event)).toMatchObject({ derivedVerb: 'create', namespace: 'default', resource: 'pods', attributeMismatches: [] });
    expect(fired(event)).toContain('privileged-container');
  });

  it('converts exec into the pod’s exec subresource, answered 101 (create over SPDY, get over websockets)', () => {
    const exec = converted(entry({ methodName: 'io.k8s.core.v1.pods.exec.create', resourceName: 'core/v1/namespaces/shop/pods/api-7d9f/exec' }));
    expect(exec).toMatchObject({
      level: 'Metadata',
      verb: 'create',
      requestURI: '/api/v1/namespaces/shop/pods/api-7d9f/exec',
      objectRef: { resource: 'pods', namespace: 'shop', name: 'api-7d9f', subresource: 'exec', apiGroup: '', apiVersion: 'v1' },
      responseStatus: { code: 101 },
    });
    expect(recordOf(exec).attributeMismatches).toEqual([]);
    expect(fired(exec)).toContain('pod-exec');
    const websocket = converted(entry({ methodName: 'io.k8s.core.v1.pods.exec.get', resourceName: 'core/v1/namespaces/shop/pods/api-7d9f/exec' }));
    expect(websocket).toMatchObject({ verb: 'get', requestURI: '/api/v1/namespaces/shop/pods/api-7d9f/exec', responseStatus: { code: 101 } });
    expect(fired(websocket)).toContain('pod-exec');
  });

  it('converts a cluster-scoped RBAC object: the group from resourceName, no namespace', () => {
    const binding = entry({
      methodName: 'io.k8s.authorization.rbac.v1.clusterrolebindings.create',
      resourceName: 'rbac.authorization.k8s.io/v1/clusterrolebindings/ops-admin',
      request: { '@type': 'rbac.authorization.k8s.io/v1.ClusterRoleBinding', kind: 'ClusterRoleBinding', metadata: { name: 'ops-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory@example.com' }] },
    });
    const event = converted(binding);
    expect(event).toMatchObject({
      level: 'Request',
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      objectRef: { resource: 'clusterrolebindings', name: 'ops-admin', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      requestObject: { kind: 'ClusterRoleBinding', roleRef: { name: 'cluster-admin' } },
    });
    expect(event.objectRef).not.toHaveProperty('namespace');
    expect(event.requestObject).not.toHaveProperty('@type');
    expect(fired(event)).toContain('cluster-admin-binding');
  });

  it('reads group, version, resource and subresource from methodName when resourceName is missing, and prefers resourceName when both are there', () => {
    const { resourceName: _, ...withoutName } = binding();
    expect(converted(entry(withoutName)).objectRef).toEqual({ resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' });
    // Panther's tests spell the group io.k8s.rbac: resourceName names it right
    expect(converted(entry({ ...binding(), methodName: 'io.k8s.rbac.v1.clusterrolebindings.create' })).objectRef).toMatchObject({ apiGroup: 'rbac.authorization.k8s.io' });
    const patch = converted(entry({ methodName: 'io.k8s.apps.v1.deployments.patch', resourceName: 'apps/v1/namespaces/shop/deployments/web' }));
    expect(patch).toMatchObject({ verb: 'patch', requestURI: '/apis/apps/v1/namespaces/shop/deployments/web', objectRef: { apiGroup: 'apps', resource: 'deployments', name: 'web' }, responseStatus: { code: 200 } });
    const status = converted(entry({ methodName: 'io.k8s.batch.v1.cronjobs.status.update', resourceName: 'batch/v1/namespaces/ops/cronjobs/backup/status' }));
    expect(status).toMatchObject({ requestURI: '/apis/batch/v1/namespaces/ops/cronjobs/backup/status', objectRef: { apiGroup: 'batch', resource: 'cronjobs', subresource: 'status' } });
    const namespace = converted(entry({ methodName: 'io.k8s.core.v1.namespaces.finalize.update', resourceName: 'core/v1/namespaces/old-team/finalize' }));
    expect(namespace.objectRef).toEqual({ resource: 'namespaces', name: 'old-team', subresource: 'finalize', apiGroup: '', apiVersion: 'v1' });
    for (const e of [patch, status, namespace]) expect(recordOf(e).attributeMismatches).toEqual([]);
  });

  it('writes a list or watch of one object as kube-apiserver serves it: the collection, selected by field', () => {
    const watch = converted(entry({ methodName: 'io.k8s.core.v1.configmaps.watch', resourceName: 'core/v1/namespaces/kube-system/configmaps/cluster-info' }));
    expect(watch.requestURI).toBe('/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dcluster-info&watch=true');
    expect(recordOf(watch)).toMatchObject({ derivedVerb: 'watch', name: 'cluster-info', attributeMismatches: [] });
    const list = converted(entry({ methodName: 'io.k8s.core.v1.secrets.list', resourceName: 'core/v1/secrets' }));
    expect(list).toMatchObject({ requestURI: '/api/v1/secrets', objectRef: { resource: 'secrets' } });
    expect(fired(list)).toContain('secrets-enumeration');
  });

  it('turns a denial (status 7) into 403 and forbid, from the status alone when GKE wrote no label', () => {
    const denied = converted(
      entry(
        {
          methodName: 'io.k8s.core.v1.secrets.get',
          resourceName: 'core/v1/namespaces/payments/secrets/stripe-key',
          // GKE's JSON leaves out `granted: false`
          authorizationInfo: [{ permission: 'io.k8s.core.v1.secrets.get', resource: 'core/v1/namespaces/payments/secrets/stripe-key' }],
          status: { code: 7, message: 'PERMISSION_DENIED' },
        },
        { labels: undefined },
      ),
    );
    expect(denied.responseStatus).toEqual({ metadata: {}, status: 'Failure', message: 'PERMISSION_DENIED', code: 403 });
    expect(denied.annotations).toEqual({ 'authorization.k8s.io/decision': 'forbid', [convertedFromAnnotation]: gkeConverted });
    expect(recordOf(denied)).toMatchObject({ decision: 'forbid', responseCode: 403 });
  });

  it('keeps the label’s allow when admission denied the request, and takes the HTTP code from the Status kube-apiserver answered', () => {
    const admission = converted(
      entry({
        methodName: 'io.k8s.core.v1.pods.create',
        resourceName: 'core/v1/namespaces/default/pods/unsigned',
        authorizationInfo: [{ permission: 'io.k8s.core.v1.pods.create', resource: 'core/v1/namespaces/default/pods/unsigned' }],
        response: { '@type': 'core.k8s.io/v1.Status', apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods "unsigned" is forbidden: image policy webhook backend denied one or more images' },
        status: { code: 7, message: 'Forbidden' },
      }),
    );
    expect(admission.annotations).toMatchObject({ 'authorization.k8s.io/decision': 'allow' });
    expect(admission.responseStatus).toEqual({ metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods "unsigned" is forbidden: image policy webhook backend denied one or more images' });
  });

  it('maps the other google.rpc codes to the HTTP status kube-apiserver answered', () => {
    const codeOf = (methodName: string, code: number) => (converted(entry({ methodName, resourceName: 'core/v1/namespaces/default/configmaps/app', status: { code } })).responseStatus as { code: number }).code;
    expect(codeOf('io.k8s.core.v1.configmaps.get', 5)).toBe(404);
    expect(codeOf('io.k8s.core.v1.configmaps.create', 10)).toBe(409);
    expect(codeOf('io.k8s.core.v1.configmaps.create', 6)).toBe(409);
    expect(codeOf('io.k8s.core.v1.configmaps.update', 3)).toBe(422);
    expect(codeOf('io.k8s.core.v1.configmaps.get', 3)).toBe(400);
    expect(codeOf('io.k8s.core.v1.configmaps.get', 16)).toBe(401);
    expect(codeOf('io.k8s.core.v1.configmaps.get', 8)).toBe(429);
    expect(codeOf('io.k8s.core.v1.configmaps.get', 13)).toBe(500);
    expect(codeOf('io.k8s.core.v1.configmaps.get', 14)).toBe(503);
    expect(codeOf('io.k8s.core.v1.configmaps.delete', 0)).toBe(200);
    expect(codeOf('io.k8s.core.v1.configmaps.create', 0)).toBe(201);
  });

  it('decides forbid from authorizationInfo only when every entry says granted: false and there is no status', () => {
    const payload = { methodName: 'io.k8s.core.v1.services.create', resourceName: 'core/v1/namespaces/default/services/web', status: undefined, authorizationInfo: [{ permission: 'io.k8s.core.v1.services.create', granted: false }] };
    const notGranted = converted(entry(payload, { labels: {} }));
    expect(notGranted).toMatchObject({ annotations: { 'authorization.k8s.io/decision': 'forbid' }, responseStatus: { status: 'Failure', code: 403 } });
    const unknown = converted(entry({ ...payload, authorizationInfo: [{ permission: 'io.k8s.core.v1.services.create' }] }, { labels: {} }));
    expect(unknown.annotations).toEqual({ [convertedFromAnnotation]: gkeConverted });
    expect(unknown.responseStatus).toEqual({ metadata: {}, code: 201 });
  });

  it('takes an anonymous principal as system:anonymous, which the anonymous rules see', () => {
    const anonymous = converted(
      entry({ methodName: 'io.k8s.core.v1.pods.list', resourceName: 'core/v1/namespaces/default/pods', authenticationInfo: { principalEmail: 'system:anonymous' } }, { labels: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "anon-read" of ClusterRole "view" to User "system:anonymous"' } }),
    );
    expect(anonymous.user).toEqual({ username: 'system:anonymous' });
    expect(fired(anonymous)).toContain('anonymous-request-allowed');
    // Panther writes the anonymous caller as an authority selector only
    expect(converted(entry({ methodName: 'io.k8s.core.v1.pods.get', resourceName: 'core/v1/namespaces/default/pods/a', authenticationInfo: { authoritySelector: 'system:anonymous' } })).user).toEqual({ username: 'system:anonymous' });
  });

  it('takes an authority selector beside the principal as the impersonated user, and service account delegation as user.extra', () => {
    const event = converted(
      entry({
        methodName: 'io.k8s.core.v1.secrets.get',
        resourceName: 'core/v1/namespaces/kube-system/secrets/bootstrap',
        authenticationInfo: {
          principalEmail: 'deployer@shop-prod.iam.gserviceaccount.com',
          authoritySelector: 'system:serviceaccount:kube-system:generic-garbage-collector',
          serviceAccountDelegationInfo: [{ firstPartyPrincipal: { principalEmail: 'jane@example.com' } }],
        },
      }),
    );
    expect(event.user).toEqual({ username: 'deployer@shop-prod.iam.gserviceaccount.com', extra: { [gkeDelegationExtra]: ['jane@example.com'] } });
    expect(event.impersonatedUser).toEqual({ username: 'system:serviceaccount:kube-system:generic-garbage-collector' });
    expect(fired(event)).toContain('privileged-impersonation');
  });

  it('converts an entry without request metadata, timestamps or ids: no source address, no agent, an id from a digest of the entry', () => {
    const bare = { protoPayload: { methodName: 'io.k8s.core.v1.nodes.list', resourceName: 'core/v1/nodes', serviceName: 'k8s.io' }, resource: { type: 'k8s_cluster', labels: {} } };
    const event = converted(bare);
    expect(event).not.toHaveProperty('sourceIPs');
    expect(event).not.toHaveProperty('userAgent');
    expect(event).not.toHaveProperty('requestReceivedTimestamp');
    expect(event).not.toHaveProperty('stageTimestamp');
    expect(event.user).toEqual({});
    expect(event.auditID).toMatch(/^gke-[0-9a-f]{32}$/);
    expect(auditEventSchema.safeParse(event).success).toBe(true);
    // the same entry delivered again keeps its identity; another entry gets another
    expect(converted(structuredClone(bare)).auditID).toBe(event.auditID);
    expect(converted({ ...bare, protoPayload: { ...bare.protoPayload, resourceName: 'core/v1/nodes/n1', methodName: 'io.k8s.core.v1.nodes.get' } }).auditID).not.toBe(event.auditID);
    // insertId stands in for a missing operation.id
    expect(converted({ ...bare, insertId: 'abc123' }).auditID).toBe('abc123');
  });

  it('writes the entry’s times as RFC 3339: Cloud Logging’s as they are, Panther’s space-separated UTC with a zone', () => {
    const at = (fields: Record<string, unknown>) => {
      const e = converted(entry({ methodName: 'io.k8s.core.v1.pods.list', resourceName: 'core/v1/pods' }, fields));
      return [e.requestReceivedTimestamp, e.stageTimestamp];
    };
    expect(at({ timestamp: '2024-01-19 13:47:18.279921000' })).toEqual(['2024-01-19T13:47:18.279921000Z', '2024-01-19T13:47:18.279921000Z']);
    expect(at({ timestamp: '2024-02-13T12:45:06+01:00' })).toEqual(['2024-02-13T12:45:06+01:00', '2024-02-13T12:45:06+01:00']);
    expect(at({ timestamp: undefined })).toEqual(['2026-03-01T10:00:07.654321012Z', '2026-03-01T10:00:07.654321012Z']);
    // no time at all is passed on, for the engine to report as it does for a native event
    expect(at({ timestamp: 'yesterday', receiveTimestamp: undefined })).toEqual(['yesterday', 'yesterday']);
  });

  it('converts a non-resource path, and reads everything else GKE omits as absent', () => {
    const readyz = converted(entry({ methodName: 'io.k8s.readyz', resourceName: '/readyz', authenticationInfo: { principalEmail: 'system:anonymous' } }));
    expect(readyz).toMatchObject({ verb: 'get', requestURI: '/readyz' });
    expect(readyz).not.toHaveProperty('objectRef');
    expect(fired(readyz)).not.toContain('anonymous-request-allowed');
  });
});

describe('the marker, the cluster, and what is no GKE entry', () => {
  it('marks every converted Event, and drops kaudit’s own annotations an entry carries in its labels', () => {
    const spoofed = converted(entry({ methodName: 'io.k8s.core.v1.pods.list', resourceName: 'core/v1/pods' }, { labels: { [convertedFromAnnotation]: 'native', 'kaudit.io/trimmed': 'requestObject', 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' } }));
    expect(spoofed.annotations).toEqual({ 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest', [convertedFromAnnotation]: gkeConverted });
    expect([convertedFromAnnotation, gkeConverted]).toEqual(['kaudit.io/converted-from', 'gke-cloud-audit-log']);
  });

  it('names the cluster of a k8s_cluster entry, and none otherwise', () => {
    expect(gkeClusterOf(podCreate)).toBe('prod-eu');
    expect(gkeClusterOf({ ...podCreate, resource: { type: 'gke_cluster', labels: { cluster_name: 'prod-eu' } } })).toBeUndefined();
    expect(gkeClusterOf({ ...podCreate, resource: { type: 'k8s_cluster', labels: { project_id: 'shop-prod' } } })).toBeUndefined();
    expect(gkeClusterOf('prod-eu')).toBeUndefined();
  });

  it('tells a GKE entry from other Cloud Logging entries and from audit Events', () => {
    expect(isGkeLogEntry(podCreate)).toBe(true);
    const compute = entry({ serviceName: 'compute.googleapis.com', methodName: 'v1.compute.instances.insert' }, { resource: { type: 'gce_instance' } });
    expect([isGkeLogEntry(compute), isCloudLogEntry(compute)]).toEqual([false, true]);
    const nativeEvent = converted(podCreate);
    expect([isGkeLogEntry(nativeEvent), isCloudLogEntry(nativeEvent)]).toEqual([false, false]);
  });

  it('gives a clear reason for what is no Kubernetes audit log entry, or a malformed one', () => {
    expect(reasonOf([podCreate])).toBe('not a Cloud Logging LogEntry: expected a JSON object');
    expect(reasonOf({ jsonPayload: { message: 'hello' } })).toBe('not a Cloud Logging LogEntry: no protoPayload object');
    expect(reasonOf(entry({ '@type': 'type.googleapis.com/google.cloud.audit.SomethingElse' }))).toBe('not a Cloud Audit Log entry: protoPayload @type is "type.googleapis.com/google.cloud.audit.SomethingElse"');
    expect(reasonOf(entry({ serviceName: 'deploymentmanager.googleapis.com', methodName: 'v2.deploymentmanager.deployments.insert' }))).toBe(
      'not a Kubernetes audit log entry: protoPayload.serviceName is "deploymentmanager.googleapis.com", GKE’s is "k8s.io"',
    );
    expect(reasonOf({ protoPayload: { methodName: 'v1.compute.instances.list' } })).toBe('not a Kubernetes audit log entry: no serviceName "k8s.io", resource.type "k8s_cluster" or io.k8s. methodName');
    expect(reasonOf(entry({}))).toBe('not a Kubernetes audit log entry: protoPayload.methodName is missing');
    expect(reasonOf(entry({ methodName: 'io.k8s.core.v1.pods.frobnicate', resourceName: 'core/v1/namespaces/a/pods/b' }))).toBe(
      'not a Kubernetes audit log entry: methodName "io.k8s.core.v1.pods.frobnicate" ends in "frobnicate", not a Kubernetes request verb',
    );
    expect(reasonOf(entry({ methodName: 'io.k8s.readyz' }))).toBe('not a Kubernetes audit log entry: methodName "io.k8s.readyz" names no API version and resource, and resourceName is missing');
  });

  it('never throws, whatever the document (it is a value or a reason)', () => {
    // names as JSON can hold them, lone surrogates included; methods and resource names mostly well formed
    const word = fc.oneof(fc.constantFrom('pods', 'exec', 'namespaces', 'default', 'system:x', 'a b', '100%', 'lone\ud800'), fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }));
    const verb = fc.constantFrom('get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'frob');
    const methodName = fc
      .tuple(fc.constantFrom('io.k8s.core', 'io.k8s.apps', 'io.k8s.authorization.rbac', 'com.example'), fc.constantFrom('v1', 'v2beta1'), word, fc.option(word), verb)
      .map(([group, version, resource, sub, v]) => [group, version, resource, ...(sub === null ? [] : [sub]), v].join('.'));
    const resourceName = fc
      .tuple(fc.constantFrom('core', 'apps', 'rbac.authorization.k8s.io'), fc.constantFrom('v1', 'x'), fc.option(word), word, fc.option(word), fc.option(word))
      .map(([group, version, ns, resource, name, sub]) => [group, version, ...(ns === null ? [] : ['namespaces', ns]), resource, ...(name === null ? [] : [name]), ...(sub === null ? [] : [sub])].join('/'));
    const payloadField = fc.oneof(methodName, resourceName, fc.constantFrom('/healthz', 'k8s.io'), fc.string({ unit: 'binary' }), fc.anything());
    const payload = fc.record({ methodName: fc.oneof(methodName, payloadField), resourceName: fc.oneof(resourceName, payloadField), serviceName: fc.oneof(fc.constant('k8s.io'), payloadField), status: fc.anything(), authorizationInfo: fc.anything(), authenticationInfo: fc.anything(), requestMetadata: fc.anything(), request: fc.anything(), response: fc.anything() }, { requiredKeys: [] });
    const doc = fc.oneof(fc.anything(), fc.record({ protoPayload: payload, labels: fc.anything(), timestamp: fc.anything(), operation: fc.anything(), resource: fc.anything() }, { requiredKeys: ['protoPayload'] }));
    let events = 0;
    fc.assert(
      fc.property(doc, (d) => {
        const c = gkeAuditEvent(d);
        if (c.ok) {
          events += 1;
          expect(auditEventSchema.safeParse(c.event).success).toBe(true);
        } else expect(c.reason).toMatch(/^not a /);
      }),
      { numRuns: 5000 },
    );
    // the documents reach the conversion, not only its first refusals
    expect(events).toBeGreaterThan(100);
  });
});

describe('Panther’s GKE tests (../shared/corpus)', () => {
  const gke = pantherTests().filter((t) => t.format === 'gcp_cloud_audit_log');
  const conversions = gke.map((t) => ({ t, c: gkeAuditEvent(Object.fromEntries(Object.entries(t.log).filter(([k]) => !k.startsWith('p_')))) }));

  it('converts 50 of the 57, and every converted one passes the Event parser, marked', () => {
    expect(gke).toHaveLength(57);
    const ok = conversions.flatMap(({ c }) => (c.ok ? [c.event] : []));
    expect(ok).toHaveLength(50);
    for (const event of ok) {
      expect(decode(auditEventParser, event, 'an audit event').ok).toBe(true);
      expect(auditEventSchema.safeParse(event).success).toBe(true);
      expect((event.annotations as Record<string, string>)[convertedFromAnnotation]).toBe(gkeConverted);
    }
  });

  it('rebuilds URIs that say what objectRef says (but for Panther’s core/v1/healthz, a "get" of something that is no object)', () => {
    const mismatched = conversions.flatMap(({ t, c }) => (c.ok && recordOf(c.event).attributeMismatches.length > 0 ? [t.test_name] : []));
    expect(mismatched).toEqual(['GKE Anonymous Health Check with User Agent']);
  });
});

function binding(): Record<string, unknown> {
  return {
    methodName: 'io.k8s.authorization.rbac.v1.clusterrolebindings.create',
    resourceName: 'rbac.authorization.k8s.io/v1/clusterrolebindings/ops-admin',
  };
}
