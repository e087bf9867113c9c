// Acceptance (#16, AKS): "Azure diagnostic settings → Event Hubs, consumed through the Event Hubs Kafka
// endpoint (SASL_SSL, PLAIN with `$ConnectionString`), the `records[]` envelope live as replay already reads
// it, checkpointed by consumer-group offsets", tested against a real Kafka broker with a SASL_SSL listener
// (test/kafka/own-broker.ts with broker.sh's KAFKA_BROKER_SECURITY: the PLAIN user `$ConnectionString`
// whose password is an Event Hubs connection string). npm start reads the hub with KAUDIT_AKS_*.
// Events from ../shared/corpus/sysdig-aks-audit-log: event.json (an Event Hubs batch of 22 AKS diagnostic
// records of cluster KUBETEST, the Event a JSON string in properties.log) and sample_EventHubs_event.json
// (one such record, pretty-printed, with a BOM).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { unwrapDocument } from '#shared/contracts';
import { corpusDir, eventList } from '#shared/testing';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { startOwnBroker, type OwnBroker } from '../kafka/own-broker.js';
import { waitFor } from '../kafka/index.js';

const { Kafka, logLevel } = kafkajs;
const corpus = (file: string) => readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', file), 'utf8').replace(/^\uFEFF/, '');
const batchText = corpus('event.json');
const singleText = corpus('sample_EventHubs_event.json');
const batchEvents = unwrapDocument(JSON.parse(batchText));

let broker: OwnBroker;
let sec: Record<string, string>;
const hub = `aks-audit-${randomBytes(4).toString('hex')}`;

/** The hub's producer: the diagnostic setting's side, over the plain listener. */
async function sendToHub(values: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'aks-test-diagnostic-setting', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: hub, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
}

beforeAll(async () => {
  broker = await startOwnBroker({ security: true });
  if (broker.security === undefined) throw new Error('the broker wrote no security.env');
  sec = broker.security;
  const admin = new Kafka({ clientId: 'aks-test-admin', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: hub, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
}, 10 * 60_000);

afterAll(async () => {
  await broker.stop();
});

/** The messages the source's consumer group has committed, over the hub's partitions. */
async function committed(): Promise<number> {
  const admin = new Kafka({ clientId: 'aks-test-offsets', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: 'kaudit-aks', topics: [hub] });
    return (topic?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

const aksEnv = (): Record<string, string> => ({
  KAUDIT_AKS_BROKERS: sec.KAFKA_SASL_SSL_BROKERS ?? '',
  KAUDIT_AKS_TOPIC: hub,
  KAUDIT_AKS_CONNECTION_STRING: sec.KAFKA_TEST_EVENTHUBS_CONNECTION_STRING ?? '',
  KAUDIT_AKS_TLS_CA_FILE: sec.KAFKA_TEST_CA_FILE ?? '',
});

async function records(p: Pipeline): Promise<NormalizedRecord[]> {
  return (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000')).items;
}
async function findings(p: Pipeline): Promise<Finding[]> {
  return (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items;
}
const findingKeys = (fs: Finding[]) => fs.map((f) => `${f.ruleId} ${f.auditId}`).sort();

describe('AKS: Event Hubs through its Kafka endpoint', () => {
  it('reads the diagnostic records live, attributes them to their cluster and finds what the webhook finds', async () => {
    expect(batchEvents).toHaveLength(22);
    const otherCategory = JSON.stringify({ records: [{ category: 'kube-apiserver', resourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/Y/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/KUBETEST', properties: { log: 'I1205 apiserver started' } }] });
    await sendToHub([batchText, 'not json {', otherCategory]);

    const viaHub = await startPipeline({ env: aksEnv() });
    const viaWebhook = await startPipeline();
    try {
      await waitFor(async () => (await records(viaHub)).length >= batchEvents.length, { what: 'the 22 AKS events stored', timeoutMs: 90_000 });
      const stored = await records(viaHub);
      expect(stored).toHaveLength(batchEvents.length);
      expect(new Set(stored.map((r) => r.cluster))).toEqual(new Set(['kubetest']));
      expect(stored.every((r) => r.transportTls)).toBe(true);

      // the same events through the webhook reach the same findings
      expect((await postEvents(viaWebhook, eventList(batchEvents))).status).toBe(200);
      await waitFor(async () => (await records(viaWebhook)).length >= batchEvents.length, { what: 'the 22 events via the webhook', timeoutMs: 60_000 });
      // (but for plaintext-ingest: this test's webhook is plain HTTP on loopback, the hub is read over TLS)
      const same = async () => {
        const hubKeys = findingKeys(await findings(viaHub));
        const webhookKeys = findingKeys((await findings(viaWebhook)).filter((f) => f.ruleId !== 'plaintext-ingest'));
        return hubKeys.length > 0 && hubKeys.join() === webhookKeys.join();
      };
      await waitFor(same, { what: 'the same findings', timeoutMs: 30_000 });
      expect(findingKeys(await findings(viaHub)).length).toBeGreaterThan(5);
      expect((await findings(viaHub)).some((f) => f.ruleId === 'plaintext-ingest')).toBe(false);
      expect((await findings(viaWebhook)).some((f) => f.ruleId === 'plaintext-ingest')).toBe(true);

      // the message that is no JSON is dead-lettered with the reason; the other category is no audit event
      await waitFor(async () => (await viaHub.bus.readAll(viaHub.topics.dlq)).length > 0, { what: 'the DLQ entry', timeoutMs: 30_000 });
      const dlq = await viaHub.bus.readAll(viaHub.topics.dlq);
      expect(dlq.map((m) => m.headers['kaudit-dlq-step'])).toEqual(['ingest-aks']);
      expect(dlq[0]?.headers['kaudit-dlq-reason']).toMatch(/^not JSON/);

      // and ingest's /metrics counts the hub's records by outcome
      const metrics = await (await fetch(viaHub.webhookUrl.replace(/\/v1\/webhook$/, '/metrics'))).text();
      expect(metrics).toMatch(/^kaudit_ingest_aks_records_total\{cluster="kubetest",outcome="accepted",service="ingest"\} 22$/m);
      expect(metrics).toMatch(/^kaudit_ingest_aks_records_total\{cluster="unknown",outcome="rejected",service="ingest"\} 1$/m);
      expect(metrics).toMatch(/^kaudit_ingest_aks_records_total\{cluster="unknown",outcome="skipped",service="ingest"\} 1$/m);
    } finally {
      await viaWebhook.stop();
      await viaHub.stop();
    }
    // every message of the hub is checkpointed (the group's committed offsets), none before kaudit's bus had it
    expect(await committed()).toBe(3);

    // the checkpoint: a restart reads on from the committed offsets, nothing again
    const again = await startPipeline({ dataDir: viaHub.dataDir, env: aksEnv() });
    try {
      await sendToHub([singleText]);
      await waitFor(async () => (await records(again)).length > batchEvents.length, { what: 'the one new AKS event', timeoutMs: 90_000 });
      const stored = await records(again);
      expect(stored).toHaveLength(batchEvents.length + 1);
    } finally {
      await again.stop();
    }
    expect(await committed()).toBe(4);
  }, 300_000);
});
