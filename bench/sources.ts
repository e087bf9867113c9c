// Events/s each ingest route and pull source takes onto the bus, with `npm start`'s wiring on the embedded
// bus (the analyzer and the store running too). Push routes: `concurrency` senders, each request answered
// only once its events are durable. The EKS source: a log group of moto's CloudWatch Logs (tools/moto),
// read from its beginning, timed until ingest counts every event (moto, a Python emulator, is the slower
// side: the figure is a floor of what the source does against CloudWatch). The AKS source: an event hub on
// tools/kafka-broker's SASL_SSL listener (user $ConnectionString), timed from the first batch the
// diagnostic setting's side sends until ingest counts every event.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createKafkaBus } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { sampleEvent } from '#shared/samples';
import { startLoopback } from '../services/standalone/src/loopback.js';

const ingestToken = { cluster: 'bench', token: 'bench-ingest-token-0123456789' };
const audience = 'https://kaudit.example.com/v1/pubsub';
const pusher = 'push@bench.iam.gserviceaccount.com';
const tools = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'tools');
const moto = path.join(tools, 'moto', 'moto.sh');
const broker = path.join(tools, 'kafka-broker', 'broker.sh');
const hub = 'aks-audit';

const event = (i: number) =>
  sampleEvent({
    auditID: `src-${String(i)}`,
    user: { username: `user-${String(i % 50)}`, groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.1'],
    stageTimestamp: new Date(Date.UTC(2026, 11, 6, 0, 0, 0) + i).toISOString(),
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  });

/** A GKE LogEntry of the same request. */
const entry = (i: number) => ({
  insertId: `src-${String(i)}`,
  logName: 'projects/bench/logs/cloudaudit.googleapis.com%2Factivity',
  operation: { id: `src-${String(i)}`, producer: 'k8s.io', first: true, last: true },
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    serviceName: 'k8s.io',
    methodName: 'io.k8s.core.v1.configmaps.get',
    resourceName: 'core/v1/namespaces/default/configmaps/app',
    authenticationInfo: { principalEmail: `user-${String(i % 50)}@bench.iam.gserviceaccount.com` },
    authorizationInfo: [{ granted: true, permission: 'io.k8s.core.v1.configmaps.get', resource: 'core/v1/namespaces/default/configmaps/app' }],
    requestMetadata: { callerIp: '10.0.0.1', callerSuppliedUserAgent: 'kubectl/v1.31.0' },
    status: {},
  },
  resource: { type: 'k8s_cluster', labels: { cluster_name: 'bench', location: 'europe-west1', project_id: 'bench' } },
  timestamp: new Date(Date.UTC(2026, 11, 6, 0, 0, 0) + i).toISOString(),
  receiveTimestamp: new Date(Date.UTC(2026, 11, 6, 0, 0, 1) + i).toISOString(),
  labels: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed' },
});

async function sendAll(requests: number, concurrency: number, send: (i: number) => Promise<Response>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests; i = next++) {
        const r = await send(i);
        if (r.status !== 200) throw new Error(`answered ${String(r.status)}: ${await r.text()}`);
        await r.arrayBuffer();
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

export async function benchSources({ events = 40_000, batch = 400, concurrency = 4 }: { events?: number; batch?: number; concurrency?: number } = {}): Promise<Record<string, number>> {
  const out: Record<string, number> = { events, batch, concurrency };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bench-sources-'));
  const keys = await generateKeyPair('RS256');
  const jwksFile = path.join(dataDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k', alg: 'RS256', use: 'sig' }] }));
  const motoDir = path.join(dataDir, 'moto');
  // the tools stop what they started should this process die first
  const watch = { ...process.env, MOTO_WATCH_PID: String(process.pid), KAFKA_BROKER_WATCH_PID: String(process.pid) };
  const started = spawnSync('bash', [moto, 'start', motoDir], { encoding: 'utf8', env: watch });
  const endpoint = /^MOTO_ENDPOINT=(\S+)$/m.exec(started.stdout)?.[1];
  if (endpoint === undefined) throw new Error(`moto.sh start failed: ${started.stderr}`);
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' });
  const group = '/aws/eks/bench/cluster';
  const logs = new CloudWatchLogsClient({ endpoint, region: 'us-east-1' });
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const streams = ['kube-apiserver-audit-1', 'kube-apiserver-audit-2'];
  for (const s of streams) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
  for (let i = 0; i < events; i += 1000) {
    const s = streams[(i / 1000) % streams.length] ?? '';
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: s, logEvents: Array.from({ length: Math.min(1000, events - i) }, (_, j) => ({ timestamp: Date.UTC(2026, 11, 6) + i + j, message: JSON.stringify(event(3_000_000 + i + j)) })) }));
  }
  logs.destroy();
  // the event hub: a broker with a SASL_SSL listener, the hub's topic made beforehand
  const brokerDir = path.join(dataDir, 'kafka');
  const brokerStart = spawnSync('bash', [broker, 'start', brokerDir], { encoding: 'utf8', env: { ...watch, KAFKA_BROKER_SECURITY: '1' } });
  const plain = /^KAFKA_BROKERS=(\S+)$/m.exec(brokerStart.stdout)?.[1];
  if (plain === undefined) throw new Error(`broker.sh start failed: ${brokerStart.stderr}`);
  const security = Object.fromEntries(readFileSync(path.join(brokerDir, 'security.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  // the diagnostic setting's side, on the plain listener (the hub made by its start)
  const diagnostics = createKafkaBus({ brokers: [plain], clientId: 'bench-diagnostic-setting', topics: [hub], partitions: 4, logger: silentLogger() });
  await diagnostics.start();

  const { lifecycle, webhookUrl } = await startLoopback({
    dataDir,
    ingestToken,
    apiTokens: [{ name: 'bench', role: 'viewer', token: 'bench-api-token-0123456789' }],
    redactionKey: 'bench-redaction-key-0123456789abcdef',
    logger: silentLogger(),
    clientId: 'bench',
    env: {
      KAUDIT_API_RATE_LIMIT: '1000000',
      KAUDIT_MAX_BATCH_EVENTS: String(Math.max(5000, batch)),
      KAUDIT_GKE_AUDIENCE: audience,
      KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: pusher,
      KAUDIT_GKE_JWKS_FILE: jwksFile,
      KAUDIT_EKS_LOG_GROUPS: group,
      KAUDIT_EKS_ENDPOINT: endpoint,
      KAUDIT_EKS_REGION: 'us-east-1',
      KAUDIT_EKS_START: 'beginning',
      KAUDIT_EKS_POLL_SECONDS: '0.2',
      KAUDIT_AKS_BROKERS: security.KAFKA_SASL_SSL_BROKERS ?? '',
      KAUDIT_AKS_TOPIC: hub,
      KAUDIT_AKS_CONNECTION_STRING: security.KAFKA_TEST_EVENTHUBS_CONNECTION_STRING ?? '',
      KAUDIT_AKS_TLS_CA_FILE: security.KAFKA_TEST_CA_FILE ?? '',
    },
  });
  const base = webhookUrl.replace(/\/v1\/webhook$/, '');
  const metric = async (re: RegExp) => Number(re.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
  try {
    // the EKS source starts reading at once: timed from the start until ingest counts all of it
    const eksStart = performance.now();
    const eksDone = (async () => {
      while ((await metric(/^kaudit_ingest_eks_records_total\{cluster="bench",outcome="accepted",service="ingest"\} (\d+)$/m)) < events) await new Promise((r) => setTimeout(r, 100));
      return (performance.now() - eksStart) / 1000;
    })();
    const eksSeconds = await eksDone;
    out.eksPullEventsPerSecond = Math.round(events / eksSeconds);

    // Event Hubs batches of 100 diagnostic records, as a diagnostic setting sends them
    const aksStart = performance.now();
    const resourceId = '/SUBSCRIPTIONS/0/RESOURCEGROUPS/BENCH/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/BENCH';
    for (let i = 0; i < events; i += 1000) {
      const messages = Array.from({ length: Math.ceil(Math.min(1000, events - i) / 100) }, (_, m) => ({
        key: String(m),
        value: Buffer.from(JSON.stringify({ records: Array.from({ length: Math.min(100, events - i - m * 100) }, (_, j) => ({ category: 'kube-audit', resourceId, properties: { log: JSON.stringify(event(5_000_000 + i + m * 100 + j)) } })) })),
      }));
      await diagnostics.produce(hub, messages);
    }
    await diagnostics.close();
    while ((await metric(/^kaudit_ingest_aks_records_total\{cluster="bench",outcome="accepted",service="ingest"\} (\d+)$/m)) < events) await new Promise((r) => setTimeout(r, 100));
    out.aksEventsPerSecond = Math.round(events / ((performance.now() - aksStart) / 1000));

    const requests = Math.ceil(events / batch);
    const auth = { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' };
    const items = (r: number, offset: number) => Array.from({ length: batch }, (_, j) => event(offset + r * batch + j));
    let s = await sendAll(requests, concurrency, (r) => fetch(`${base}/v1/webhook`, { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'EventList', items: items(r, 0) }) }));
    out.webhookEventsPerSecond = Math.round((requests * batch) / s);
    s = await sendAll(requests, concurrency, (r) =>
      fetch(`${base}/v1/logs`, { method: 'POST', headers: auth, body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: items(r, 1_000_000).map((e) => ({ body: { stringValue: JSON.stringify(e) } })) }] }] }) }),
    );
    out.otlpEventsPerSecond = Math.round((requests * batch) / s);
    s = await sendAll(requests, concurrency, (r) => {
      const payload = gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup: group, logStream: 'kube-apiserver-audit-1', logEvents: items(r, 2_000_000).map((e, j) => ({ id: String(j), timestamp: 0, message: JSON.stringify(e) })) }));
      return fetch(`${base}/v1/firehose`, { method: 'POST', headers: { 'x-amz-firehose-access-key': ingestToken.token, 'content-type': 'application/json' }, body: JSON.stringify({ requestId: String(r), timestamp: Date.now(), records: [{ data: payload.toString('base64') }] }) });
    });
    out.firehoseEventsPerSecond = Math.round((requests * batch) / s);
    // Pub/Sub pushes one entry a request: many concurrent requests, as Pub/Sub does
    const token = await new SignJWT({ email: pusher, email_verified: true }).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setIssuer('https://accounts.google.com').setAudience(audience).setIssuedAt().setExpirationTime('1h').sign(keys.privateKey);
    const pushes = Math.min(events, 10_000);
    s = await sendAll(pushes, 32, (i) =>
      fetch(`${base}/v1/pubsub`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: { data: Buffer.from(JSON.stringify(entry(4_000_000 + i))).toString('base64'), messageId: String(i) }, subscription: 'projects/bench/subscriptions/kaudit' }) }),
    );
    out.pubsubPushes = pushes;
    out.pubsubEventsPerSecond = Math.round(pushes / s);
  } finally {
    await lifecycle.shutdown('bench done');
    spawnSync('bash', [moto, 'stop', motoDir]);
    spawnSync('bash', [broker, 'stop', brokerDir]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}
