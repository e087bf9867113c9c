// Replay of GKE's audit log as Cloud Logging exports it: `gcloud logging read --format=json` (one pretty-printed
// JSON array of LogEntry, newest first) and the same entries as JSON lines. Each entry is converted into its
// audit Event (shared/contracts/gke-audit-log.ts) before it is checked, analysed and stored; an entry of
// another Google service is a malformed line with its reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertedFromAnnotation, gkeAuditEvent, gkeConverted } from '#shared/contracts';
import { openDatabase, type Database } from '#shared/storage';
import { replay } from '../../services/replay/src/replay.js';

let tmp: string;
const dbs: Database[] = [];

async function freshDb(name: string): Promise<Database> {
  const db = await openDatabase(path.join(tmp, `${name}.duckdb`));
  dbs.push(db);
  return db;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kaudit-replay-gke-'));
});

afterAll(async () => {
  for (const db of dbs) await db.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A GKE LogEntry: id, time, the caller and the protoPayload fields of one request. */
function gkeEntry(id: string, timestamp: string, principal: string, payload: Record<string, unknown>, decision: 'allow' | 'forbid' = 'allow'): Record<string, unknown> {
  return {
    insertId: id,
    logName: 'projects/shop-prod/logs/cloudaudit.googleapis.com%2Factivity',
    operation: { id, producer: 'k8s.io', first: true, last: true },
    resource: { type: 'k8s_cluster', labels: { project_id: 'shop-prod', location: 'europe-west1', cluster_name: 'prod-eu' } },
    timestamp,
    receiveTimestamp: timestamp.replace(/\.\d+Z$/, '.900000000Z'),
    labels: { 'authorization.k8s.io/decision': decision, 'authorization.k8s.io/reason': decision === 'allow' ? 'access granted by IAM permissions.' : '' },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'k8s.io',
      authenticationInfo: { principalEmail: principal },
      requestMetadata: { callerIp: '198.51.100.23', callerSuppliedUserAgent: 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46' },
      status: {},
      ...payload,
    },
  };
}

const privilegedPod = gkeEntry('0a6f3c1e-1111-4b2a-9c00-000000000001', '2026-05-04T09:00:00.100000Z', 'dev@example.com', {
  methodName: 'io.k8s.core.v1.pods.create',
  resourceName: 'core/v1/namespaces/shop/pods/debug',
  authorizationInfo: [{ permission: 'io.k8s.core.v1.pods.create', granted: true, resource: 'core/v1/namespaces/shop/pods/debug' }],
  request: { '@type': 'core.k8s.io/v1.Pod', apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'shop' }, spec: { containers: [{ name: 'sh', image: 'busybox:1.36', securityContext: { privileged: true } }] } },
});
const exec = gkeEntry('0a6f3c1e-1111-4b2a-9c00-000000000002', '2026-05-04T09:01:00.200000Z', 'dev@example.com', {
  methodName: 'io.k8s.core.v1.pods.exec.create',
  resourceName: 'core/v1/namespaces/shop/pods/debug/exec',
  authorizationInfo: [{ permission: 'io.k8s.core.v1.pods.exec.create', granted: true, resource: 'core/v1/namespaces/shop/pods/debug/exec' }],
});
const deniedSecret = gkeEntry(
  '0a6f3c1e-1111-4b2a-9c00-000000000003',
  '2026-05-04T09:02:00.300000Z',
  'intern@example.com',
  {
    methodName: 'io.k8s.core.v1.secrets.get',
    resourceName: 'core/v1/namespaces/payments/secrets/stripe-key',
    authorizationInfo: [{ permission: 'io.k8s.core.v1.secrets.get', resource: 'core/v1/namespaces/payments/secrets/stripe-key' }],
    status: { code: 7, message: 'PERMISSION_DENIED' },
  },
  'forbid',
);
const adminBinding = gkeEntry('0a6f3c1e-1111-4b2a-9c00-000000000004', '2026-05-04T09:03:00.400000Z', 'dev@example.com', {
  methodName: 'io.k8s.authorization.rbac.v1.clusterrolebindings.create',
  resourceName: 'rbac.authorization.k8s.io/v1/clusterrolebindings/dev-admin',
  authorizationInfo: [{ permission: 'io.k8s.authorization.rbac.v1.clusterrolebindings.create', granted: true, resource: 'rbac.authorization.k8s.io/v1/clusterrolebindings/dev-admin' }],
  request: { kind: 'ClusterRoleBinding', metadata: { name: 'dev-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'dev@example.com' }] },
});
/** What a `resource.type=k8s_cluster OR …` filter lets through from another service: no Kubernetes request. */
const computeEntry = {
  insertId: '-x1y2z3',
  logName: 'projects/shop-prod/logs/cloudaudit.googleapis.com%2Factivity',
  resource: { type: 'gce_instance', labels: { project_id: 'shop-prod', zone: 'europe-west1-b' } },
  timestamp: '2026-05-04T09:02:30.000000Z',
  protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'compute.googleapis.com', methodName: 'v1.compute.instances.insert', authenticationInfo: { principalEmail: 'dev@example.com' } },
};
const k8sEntries = [privilegedPod, exec, deniedSecret, adminBinding];
// gcloud lists the newest entry first
const gcloudOrder = [adminBinding, computeEntry, deniedSecret, exec, privilegedPod];

async function recordsOf(db: Database) {
  return db.query('SELECT cluster, audit_id, verb, request_uri, namespace, resource, subresource, name, "user", response_code, decision, raw::VARCHAR AS raw FROM records ORDER BY audit_id');
}

async function findingsOf(db: Database) {
  return db.query('SELECT id, rule_id, audit_id FROM findings ORDER BY id');
}

describe('replay of GKE Cloud Audit Log entries', () => {
  it('replays `gcloud logging read --format=json` output: each entry as its converted Event, in event time, another service’s entry reported', async () => {
    const file = path.join(tmp, 'gcloud.json');
    writeFileSync(file, `${JSON.stringify(gcloudOrder, null, 2)}\n`);
    const db = await freshDb('gcloud');
    const s = await replay({ inputs: [file], db });

    expect(s.events).toBe(4);
    expect(s.malformed).toEqual({ count: 1, first: [`${file}:1: item 1: not a Kubernetes audit log entry: protoPayload.serviceName is "compute.googleapis.com", GKE’s is "k8s.io"`] });
    expect(s.timeRange).toEqual({ from: '2026-05-04T09:00:00.100Z', to: '2026-05-04T09:03:00.400Z' });
    expect(s.findingsByRule).toMatchObject({ 'privileged-container': 1, 'pod-exec': 1, 'cluster-admin-binding': 1 });

    const rows = await recordsOf(db);
    expect(rows.map(({ raw: _, ...r }) => r)).toEqual([
      { cluster: 'replay', audit_id: '0a6f3c1e-1111-4b2a-9c00-000000000001', verb: 'create', request_uri: '/api/v1/namespaces/shop/pods', namespace: 'shop', resource: 'pods', subresource: null, name: 'debug', user: 'dev@example.com', response_code: 201, decision: 'allow' },
      { cluster: 'replay', audit_id: '0a6f3c1e-1111-4b2a-9c00-000000000002', verb: 'create', request_uri: '/api/v1/namespaces/shop/pods/debug/exec', namespace: 'shop', resource: 'pods', subresource: 'exec', name: 'debug', user: 'dev@example.com', response_code: 101, decision: 'allow' },
      { cluster: 'replay', audit_id: '0a6f3c1e-1111-4b2a-9c00-000000000003', verb: 'get', request_uri: '/api/v1/namespaces/payments/secrets/stripe-key', namespace: 'payments', resource: 'secrets', subresource: null, name: 'stripe-key', user: 'intern@example.com', response_code: 403, decision: 'forbid' },
      { cluster: 'replay', audit_id: '0a6f3c1e-1111-4b2a-9c00-000000000004', verb: 'create', request_uri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', namespace: null, resource: 'clusterrolebindings', subresource: null, name: 'dev-admin', user: 'dev@example.com', response_code: 201, decision: 'allow' },
    ]);
    // the raw event stored is the converted Event, marked, not the LogEntry
    for (const [i, row] of rows.entries()) {
      const raw = JSON.parse(String(row.raw)) as Record<string, unknown>;
      const expected = gkeAuditEvent(k8sEntries[i]);
      expect(expected.ok && raw).toEqual(expected.ok && expected.event);
      expect(raw).not.toHaveProperty('protoPayload');
      expect((raw.annotations as Record<string, string>)[convertedFromAnnotation]).toBe(gkeConverted);
    }
  });

  it('replays the same entries as JSON lines to the same records and findings, the other service’s entry reported by its line', async () => {
    const file = path.join(tmp, 'entries.jsonl');
    writeFileSync(file, `${gcloudOrder.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const db = await freshDb('jsonl');
    const s = await replay({ inputs: [file], db });
    expect(s.events).toBe(4);
    expect(s.malformed.first).toEqual([`${file}:2: not a Kubernetes audit log entry: protoPayload.serviceName is "compute.googleapis.com", GKE’s is "k8s.io"`]);

    const array = path.join(tmp, 'gcloud-again.json');
    writeFileSync(array, JSON.stringify(gcloudOrder, null, 2));
    const fromArray = await freshDb('gcloud-again');
    await replay({ inputs: [array], db: fromArray });
    expect(JSON.stringify(await recordsOf(db))).toBe(JSON.stringify(await recordsOf(fromArray)));
    expect(await findingsOf(db)).toEqual(await findingsOf(fromArray));
    expect((await findingsOf(db)).length).toBeGreaterThanOrEqual(3);
  });

  it('is idempotent for converted entries: a re-delivered entry keeps its audit ID and adds nothing', async () => {
    const file = path.join(tmp, 'redelivered.jsonl');
    // Panther-style entries without insertId or operation.id: the audit ID is a digest of the entry
    const withoutIds = k8sEntries.map(({ insertId: _, operation: __, ...e }) => e);
    writeFileSync(file, `${withoutIds.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const db = await freshDb('redelivered');
    const first = await replay({ inputs: [file], db });
    const second = await replay({ inputs: [file], db });
    expect(first.written.records).toBe(4);
    expect(second.events).toBe(4);
    expect(second.written).toEqual({ records: 0, findings: 0 });
    const ids = (await recordsOf(db)).map((r) => String(r.audit_id));
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(id).toMatch(/^gke-[0-9a-f]{32}$/);
  });

  it('gives the records the entries’ own cluster when asked (replay without --cluster)', async () => {
    const file = path.join(tmp, 'own-cluster.json');
    writeFileSync(file, JSON.stringify(gcloudOrder));
    const db = await freshDb('own-cluster');
    await replay({ inputs: [file], db, cluster: 'replay', entryClusters: true });
    expect(new Set((await recordsOf(db)).map((r) => r.cluster))).toEqual(new Set(['prod-eu']));
  });
});
