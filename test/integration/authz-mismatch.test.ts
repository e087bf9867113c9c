// kaudit's RBAC re-evaluation end to end on a real Kafka broker and DuckDB file, with a small RBAC
// snapshot (as `kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o json` prints it):
// a request RBAC would deny but the API server allowed, with a reason naming no other authorizer, is
// flagged; a Node-authorizer allow and an RBAC-explained allow are not.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { kafkaBrokerList, waitFor } from '../kafka/index.js';

const snapshot = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'devs-read-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }],
    },
  ],
};

const dave = { username: 'dave', groups: ['devs', 'system:authenticated'] };
/** dave's `verb` of `requestURI` at level Metadata, allowed (200) with an empty reason; `over` replaces any field. */
const request = (auditID: string, verb: string, requestURI: string, objectRef: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID,
  stage: 'ResponseComplete',
  requestURI,
  verb,
  user: dave,
  sourceIPs: ['10.1.2.3'],
  userAgent: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc',
  objectRef,
  responseStatus: { code: 200 },
  annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
  requestReceivedTimestamp: '2026-11-27T09:00:00.000000Z',
  stageTimestamp: '2026-11-27T09:00:00.010000Z',
  ...over,
});

const events = [
  // RBAC denies secrets to dave, yet the API server allowed it with an empty reason (e.g. AlwaysAllow).
  request('mismatch-secrets', 'list', '/api/v1/namespaces/default/secrets', { resource: 'secrets', namespace: 'default', apiVersion: 'v1' }),
  // Allowed by RBAC, and RBAC as kaudit knows it agrees.
  request('agree-pods', 'get', '/api/v1/namespaces/default/pods/web-1/log?container=app', { resource: 'pods', subresource: 'log', namespace: 'default', name: 'web-1', apiVersion: 'v1' }, {
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "devs-read-pods" of ClusterRole "pod-reader" to Group "devs"',
    },
  }),
  // A kubelet reading a secret of a pod bound to its node: the Node authorizer allows, RBAC would not.
  request('node-authorizer', 'get', '/api/v1/namespaces/default/secrets/web-tls', { resource: 'secrets', namespace: 'default', name: 'web-tls', apiVersion: 'v1' }, {
    user: { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] },
  }),
  // Denied, and RBAC agrees.
  request('agree-forbid', 'create', '/api/v1/namespaces/default/configmaps', { resource: 'configmaps', namespace: 'default', apiVersion: 'v1' }, {
    responseStatus: { code: 403 },
    annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
  }),
];

describe('RBAC re-evaluation on Kafka', () => {
  let p: Pipeline;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-rbac-'));
    const file = path.join(dir, 'rbac.json');
    writeFileSync(file, JSON.stringify(snapshot));
    p = await startPipeline({ brokers: kafkaBrokerList(), rbacSnapshot: file, dataDir: dir });
  });
  afterAll(async () => {
    await p.stop();
  });

  it('flags an allow that RBAC would deny, and not a Node-authorizer allow nor an RBAC-explained one', async () => {
    expect((await postEvents(p, { kind: 'EventList', items: events })).status).toBe(200);
    const records = await waitFor(
      async () => {
        const page = await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=100');
        return page.items.length === events.length ? page.items : undefined;
      },
      { what: 'four records' },
    );
    const byId = new Map(records.map((r) => [r.auditId, r]));
    expect(byId.get('mismatch-secrets')).toMatchObject({ rbacVerdict: 'deny', decision: 'allow', authorizer: 'unknown', identityKind: 'user' });
    expect(byId.get('agree-pods')).toMatchObject({
      rbacVerdict: 'allow',
      rbacVerdictBinding: 'ClusterRoleBinding/devs-read-pods',
      authorizer: 'rbac',
      grantingBinding: 'ClusterRoleBinding/devs-read-pods',
      grantingRole: 'ClusterRole/pod-reader',
      derivedVerb: 'get',
      subresource: 'log',
      userAgentProduct: 'kubectl',
    });
    expect(byId.get('node-authorizer')).toMatchObject({ rbacVerdict: 'deny', identityKind: 'node', nodeName: 'node-1', credentialKind: 'x509' });
    expect(byId.get('agree-forbid')).toMatchObject({ rbacVerdict: 'deny', decision: 'forbid' });

    // findings travel on their own topic: wait for the expected one, then check there is no other
    const findings = await waitFor(
      async () => {
        const page = await getJson<{ items: Finding[] }>(p, '/v1/findings?ruleId=authz-decision-mismatch');
        return page.items.length > 0 ? page : undefined;
      },
      { what: 'the authz-decision-mismatch finding' },
    );
    expect(findings.items.map((f) => f.auditId)).toEqual(['mismatch-secrets']);
    expect(findings.items[0]?.evidence).toMatchObject({ rbacVerdict: 'deny', decision: 'allow', resource: 'secrets' });
  });
});
