// Acceptance (#16, OpenTelemetry): "OTLP/HTTP JSON logs (`POST /v1/logs`, the collector's `otlphttp`
// exporter) whose bodies hold audit Events". Requests are built from the published format
// (opentelemetry-proto's ExportLogsServiceRequest in the OTLP JSON encoding: resourceLogs[].scopeLogs[].
// logRecords[].body, an AnyValue). The pipeline runs on the embedded bus.
// Events from ../shared/corpus/falco-k8s-audit (anonymous_creates_namespace_foo.json,
// create_nginx_pod_privileged.json, create_cluster_role_wildcard_verbs.json, create_configmap_sensitive_values.json,
// attach_cluster_admin_role.json): each reaches the same findings through /v1/logs as through the webhook.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fromAnyValue, otlpLogItems } from '#shared/contracts';
import { corpusLines } from '#shared/testing';
import { ingestToken, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { expectWebhookFindings } from '../helpers/same-findings.js';
import { waitFor } from '../helpers/wait-for.js';

const files = ['anonymous_creates_namespace_foo.json', 'create_nginx_pod_privileged.json', 'create_cluster_role_wildcard_verbs.json', 'create_configmap_sensitive_values.json', 'attach_cluster_admin_role.json'];
const events = files.flatMap((f) => corpusLines(`falco-k8s-audit/${f}`));

/** A JSON value as an OTLP AnyValue (what a collector's JSON parser makes of an Event line). */
function toAnyValue(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAnyValue) } };
  if (v !== null && typeof v === 'object') return { kvlistValue: { values: Object.entries(v).map(([key, value]) => ({ key, value: toAnyValue(value) })) } };
  return {};
}

/** An ExportLogsServiceRequest: the bodies in one resource and scope, as a filelog receiver sends them. */
function exportRequest(bodies: Record<string, unknown>[]): unknown {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'k8s.cluster.name', value: { stringValue: 'corpus' } }] },
        scopeLogs: [{ scope: { name: 'filelog' }, logRecords: bodies.map((body, i) => ({ timeUnixNano: String(1_700_000_000_000_000_000 + i), severityText: 'INFO', body, attributes: [{ key: 'log.file.name', value: { stringValue: 'audit.log' } }] })) }],
      },
    ],
  };
}

const logsUrl = (p: Pipeline) => p.webhookUrl.replace(/\/v1\/webhook$/, '/v1/logs');
const post = (p: Pipeline, body: Buffer | string, headers: Record<string, string> = {}) =>
  fetch(logsUrl(p), { method: 'POST', headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json', ...headers }, body });

describe('OTLP/HTTP JSON logs', () => {
  it('reads AnyValues as the values they stand for, and a body string as the Event’s JSON line', () => {
    const event = { auditID: 'a', verb: 'get', user: { username: 'u', groups: ['g'] }, responseStatus: { code: 200 }, ok: true, ratio: 0.5 };
    expect(fromAnyValue(toAnyValue(event))).toEqual(event);
    expect(otlpLogItems(exportRequest([{ stringValue: JSON.stringify(event) }, toAnyValue(event), { stringValue: 'not json' }]))).toEqual([event, event, 'not json']);
    expect(otlpLogItems({ resourceLogs: [] })).toEqual([]);
    expect(otlpLogItems({ items: [] })).toBeUndefined();
  });

  it('turns each record’s Event into the findings the webhook gives, as JSON lines and as maps, gzipped too', async () => {
    const half = Math.ceil(events.length / 2);
    const asLines = exportRequest(events.slice(0, half).map((e) => ({ stringValue: JSON.stringify(e) })));
    const asMaps = exportRequest(events.slice(half).map(toAnyValue));
    await expectWebhookFindings(
      events,
      async (p) => {
        const r1 = await post(p, JSON.stringify(asLines));
        expect(r1.status).toBe(200);
        expect(await r1.json()).toEqual({});
        const r2 = await post(p, gzipSync(JSON.stringify(asMaps)), { 'content-encoding': 'gzip' });
        expect(r2.status).toBe(200);
      },
      files.length,
    );
  });

  it('answers as OTLP/HTTP asks: partialSuccess for records that are no events, 400, 401, 415', async () => {
    const p = await startPipeline();
    try {
      const [event] = events;
      const mixed = await post(p, JSON.stringify(exportRequest([{ stringValue: JSON.stringify(event) }, { stringValue: 'I1205 12:00:00 not an audit event' }, { intValue: '7' }])));
      expect(mixed.status).toBe(200);
      const body = (await mixed.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
      expect(body.partialSuccess.rejectedLogRecords).toBe('2');
      expect(body.partialSuccess.errorMessage).toMatch(/not an audit event/);
      // the rejected records are in the DLQ with the reason
      await waitFor(async () => (await p.bus.readAll(p.topics.dlq)).length === 2, { what: 'two dead letters', timeoutMs: 10_000 });

      const notOtlp = await post(p, JSON.stringify({ kind: 'EventList', items: [] }));
      expect(notOtlp.status).toBe(400);
      expect(((await notOtlp.json()) as { message: string }).message).toMatch(/resourceLogs/);
      const protobuf = await post(p, Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' });
      expect(protobuf.status).toBe(415);
      expect(((await protobuf.json()) as { message: string }).message).toMatch(/encoding: json/);
      const anonymous = await fetch(logsUrl(p), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(exportRequest([])) });
      expect(anonymous.status).toBe(401);
    } finally {
      await p.stop();
    }
  });
});
