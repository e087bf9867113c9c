// Acceptance (#16, EKS (a)): "the Amazon Data Firehose HTTP endpoint delivery contract (CloudWatch Logs
// subscription → Firehose → HTTPS POST; access-key header; records of base64, gzipped CloudWatch
// subscription payloads with `logEvents[]`; the response body Firehose expects, with `requestId`)". Requests
// are built from the published formats (Firehose's HTTP endpoint delivery request and response; CloudWatch
// Logs' subscription payload, DATA_MESSAGE and CONTROL_MESSAGE). The pipeline runs on the embedded bus.
// Events from ../shared/corpus/falco-k8s-audit (anonymous_creates_namespace_foo.json, create_nginx_pod_privileged.json,
// create_cluster_role_wildcard_verbs.json, attach_cluster_admin_role.json): the same findings as through the webhook.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { firehoseItems } from '#shared/contracts';
import { corpusLines } from '#shared/testing';
import { ingestToken, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { expectWebhookFindings } from '../helpers/same-findings.js';

const files = ['anonymous_creates_namespace_foo.json', 'create_nginx_pod_privileged.json', 'create_cluster_role_wildcard_verbs.json', 'attach_cluster_admin_role.json'];
const events = files.flatMap((f) => corpusLines(`falco-k8s-audit/${f}`));

/** A CloudWatch Logs subscription payload of the cluster's audit log group. */
const payload = (messages: string[], messageType = 'DATA_MESSAGE') =>
  JSON.stringify({
    messageType,
    owner: '123456789012',
    logGroup: '/aws/eks/prod/cluster',
    logStream: 'kube-apiserver-audit-0123456789abcdef',
    subscriptionFilters: ['kaudit'],
    logEvents: messages.map((message, i) => ({ id: String(38_000_000_000 + i), timestamp: 1_733_400_000_000 + i, message })),
  });
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const delivery = (data: string[]) => ({ requestId: 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f', timestamp: 1_733_400_000_000, records: data.map((d) => ({ data: d })) });

const url = (p: Pipeline) => p.webhookUrl.replace(/\/v1\/webhook$/, '/v1/firehose');
const post = (p: Pipeline, body: unknown, headers: Record<string, string> = { 'x-amz-firehose-access-key': ingestToken.token }) =>
  fetch(url(p), { method: 'POST', headers: { 'content-type': 'application/json', 'x-amz-firehose-request-id': 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f', ...headers }, body: JSON.stringify(body) });

describe('Amazon Data Firehose HTTP endpoint delivery (EKS)', () => {
  it('reads gzipped and decompressed subscription payloads and extracted messages, and passes over control messages', () => {
    const lines = events.slice(0, 3).map((e) => JSON.stringify(e));
    const got = firehoseItems(delivery([b64(gzipSync(payload(lines.slice(0, 2)))), b64(payload([lines[2] ?? ''])), b64(`${lines[0] ?? ''}\n`), b64(gzipSync(payload([], 'CONTROL_MESSAGE')))]));
    expect(typeof got === 'string' ? got : got.items).toEqual([events[0], events[1], events[2], events[0]]);
    expect(firehoseItems({ records: [] })).toMatch(/not a Firehose delivery request/);
    const broken = firehoseItems(delivery([b64(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]))]));
    expect(typeof broken === 'string' ? broken : broken.items).toEqual(['a record whose data is not valid gzip']);
  });

  it('answers Firehose with its requestId once the events are on the bus, and they reach the webhook’s findings', async () => {
    const lines = events.map((e) => JSON.stringify(e));
    await expectWebhookFindings(
      events,
      async (p) => {
        const res = await post(p, delivery([b64(gzipSync(payload(lines.slice(0, 2)))), b64(gzipSync(payload(lines.slice(2)))), b64(gzipSync(payload([], 'CONTROL_MESSAGE')))]));
        expect(res.status).toBe(200);
        const body = (await res.json()) as { requestId: string; timestamp: number };
        expect(body.requestId).toBe('ed4acda5-034f-9f42-bba1-f29aea6d7d8f');
        expect(Math.abs(body.timestamp - Date.now())).toBeLessThan(60_000);
      },
      files.length,
    );
  });

  it('refuses a wrong or missing access key (a bearer token is not one) and says what is wrong in Firehose’s shape', async () => {
    const p = await startPipeline();
    try {
      const ok = delivery([b64(gzipSync(payload([JSON.stringify(events[0])])))]);
      expect((await post(p, ok, { 'x-amz-firehose-access-key': 'not-the-key-0123456789' })).status).toBe(401);
      expect((await post(p, ok, { authorization: `Bearer ${ingestToken.token}` })).status).toBe(401);
      const bad = await post(p, { records: 'no' });
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as { requestId: string; timestamp: number; errorMessage: string };
      expect(body.requestId).toBe('ed4acda5-034f-9f42-bba1-f29aea6d7d8f');
      expect(body.errorMessage).toMatch(/not a Firehose delivery request/);
      expect(typeof body.timestamp).toBe('number');
    } finally {
      await p.stop();
    }
  });
});
