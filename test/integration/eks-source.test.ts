// Acceptance (#16, EKS (b)): "a pull source reading the cluster's log group through the CloudWatch Logs API
// (FilterLogEvents / GetLogEvents with the AWS SDK for JavaScript v3), checkpointing its position on the bus
// so a restart neither loses nor duplicates", tested against moto's server mode (test/helpers/moto.ts).
// The pipeline is npm start's wiring on the embedded bus, with KAUDIT_EKS_*.
// Events from ../shared/corpus/falco-k8s-audit (anonymous_creates_namespace_foo.json, create_nginx_pod_privileged.json,
// create_cluster_role_wildcard_verbs.json, attach_cluster_admin_role.json): the same findings as through the webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedRecord } from '#shared/contracts';
import { corpusLines } from '#shared/testing';
import { createLogGroup, motoEnv, putLogEvents, startMoto, type Moto } from '../helpers/moto.js';
import { getJson, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { expectWebhookFindings } from '../helpers/same-findings.js';
import { waitFor } from '../helpers/wait-for.js';

const files = ['anonymous_creates_namespace_foo.json', 'create_nginx_pod_privileged.json', 'create_cluster_role_wildcard_verbs.json', 'attach_cluster_admin_role.json'];
const events = files.flatMap((f) => corpusLines(`falco-k8s-audit/${f}`)) as { auditID: string }[];
const withId = (e: { auditID: string }, suffix: string) => ({ ...e, auditID: `${e.auditID}-${suffix}` });

let moto: Moto;
beforeAll(async () => {
  // the SDK's default credential chain reads them from this process's environment, as in a deployment
  Object.assign(process.env, motoEnv);
  moto = await startMoto();
}, 6 * 60_000);
afterAll(async () => {
  await moto.stop();
});

const eksEnv = (group: string, more: Record<string, string> = {}): Record<string, string> => ({
  ...motoEnv,
  KAUDIT_EKS_LOG_GROUPS: group,
  KAUDIT_EKS_ENDPOINT: moto.endpoint,
  KAUDIT_EKS_POLL_SECONDS: '0.2',
  KAUDIT_EKS_START: 'beginning',
  ...more,
});
const records = async (p: Pipeline) => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000&since=2000-01-01T00:00:00Z')).items;
/** A restart of `p`: its data directory and its topics (where the checkpoint is). */
const restart = (p: { dataDir: string; topics: { events: string } }, env: Record<string, string>) => startPipeline({ dataDir: p.dataDir, topicPrefix: p.topics.events.slice(0, -'events'.length), env });
const t0 = Date.UTC(2026, 11, 6, 12, 0, 0);

describe('EKS: the cluster’s log group through the CloudWatch Logs API', () => {
  it('reads the audit streams, attributes them to the cluster, dead-letters what is no event, and resumes from its checkpoint', async () => {
    const group = '/aws/eks/prod-eu/cluster';
    await createLogGroup(moto, group, ['kube-apiserver-audit-0a1b', 'kube-apiserver-audit-9f8e', 'authenticator-0a1b']);
    const half = Math.ceil(events.length / 2);
    // three events of one millisecond in the first stream: a position inside a millisecond
    await putLogEvents(moto, group, 'kube-apiserver-audit-0a1b', [
      ...events.slice(0, half).map((e, i) => ({ timestamp: t0 + (i < 3 ? 0 : i), message: JSON.stringify(e) })),
      { timestamp: t0 + half, message: 'not json {' },
    ]);
    await putLogEvents(moto, group, 'kube-apiserver-audit-9f8e', events.slice(half).map((e, i) => ({ timestamp: t0 + i, message: JSON.stringify(e) })));
    // another log type of the same group is not read
    await putLogEvents(moto, group, 'authenticator-0a1b', [{ timestamp: t0, message: JSON.stringify(withId(events[0] ?? { auditID: '' }, 'authenticator')) }]);

    // pages of 2 events: the checkpoint moves page by page
    const env = eksEnv(group, { KAUDIT_EKS_PAGE_EVENTS: '2' });
    const first = await startPipeline({ env });
    try {
      await waitFor(async () => (await records(first)).length >= events.length, { what: `the ${String(events.length)} EKS events stored`, timeoutMs: 90_000 });
      const stored = await records(first);
      expect(stored.map((r) => r.auditId).sort()).toEqual(events.map((e) => e.auditID).sort());
      expect(new Set(stored.map((r) => r.cluster))).toEqual(new Set(['prod-eu']));
      expect(stored.every((r) => r.transportTls)).toBe(true);

      await waitFor(async () => (await first.bus.readAll(first.topics.dlq)).length > 0, { what: 'the DLQ entry', timeoutMs: 30_000 });
      const dlq = await first.bus.readAll(first.topics.dlq);
      expect(dlq).toHaveLength(1);
      expect(dlq[0]?.headers['kaudit-cluster']).toBe('prod-eu');
      expect(dlq[0]?.value.toString('utf8')).toBe(JSON.stringify('not json {'));

      const metrics = await (await fetch(first.webhookUrl.replace(/\/v1\/webhook$/, '/metrics'))).text();
      expect(metrics).toMatch(new RegExp(`^kaudit_ingest_eks_records_total\\{cluster="prod-eu",outcome="accepted",service="ingest"\\} ${String(events.length)}$`, 'm'));
      expect(metrics).toMatch(/^kaudit_ingest_eks_records_total\{cluster="prod-eu",outcome="rejected",service="ingest"\} 1$/m);

      // the checkpoint on the bus: each audit stream at its last event, the other log type absent
      const checkpoints = await first.bus.readAll(first.topics.sources);
      const last = JSON.parse(checkpoints.filter((m) => m.key === `eks/us-east-1${group}`).at(-1)?.value.toString('utf8') ?? 'null') as { streams: Record<string, { t: number; n: number }> };
      expect(Object.keys(last.streams).sort()).toEqual(['kube-apiserver-audit-0a1b', 'kube-apiserver-audit-9f8e']);
      expect(last.streams['kube-apiserver-audit-0a1b']).toMatchObject({ t: t0 + half, n: 1 });
      expect(checkpoints.length).toBeGreaterThan(3);
    } finally {
      await first.stop();
    }

    // written while kaudit was down: two in the millisecond of the stream's last event, one later
    const more = [withId(events[0] ?? { auditID: '' }, 'later-1'), withId(events[1] ?? { auditID: '' }, 'later-2'), withId(events[2] ?? { auditID: '' }, 'later-3')];
    await putLogEvents(moto, group, 'kube-apiserver-audit-0a1b', [
      { timestamp: t0 + half, message: JSON.stringify(more[0]) },
      { timestamp: t0 + half, message: JSON.stringify(more[1]) },
      { timestamp: t0 + half + 5, message: JSON.stringify(more[2]) },
    ]);
    const again = await restart(first, env);
    try {
      await waitFor(async () => (await records(again)).length >= events.length + more.length, { what: 'the 3 new EKS events', timeoutMs: 90_000 });
      // give a wrong re-read the time to show
      await new Promise((r) => setTimeout(r, 1000));
      const stored = await records(again);
      expect(stored.map((r) => r.auditId).sort()).toEqual([...events, ...more].map((e) => e.auditID).sort());
      // the malformed message was not read again
      expect(await again.bus.readAll(again.topics.dlq)).toHaveLength(1);
    } finally {
      await again.stop();
    }
  }, 300_000);

  it('finds what the webhook finds for the same events', async () => {
    const group = '/aws/eks/findings/cluster';
    await createLogGroup(moto, group, ['kube-apiserver-audit-1']);
    await putLogEvents(moto, group, 'kube-apiserver-audit-1', events.map((e, i) => ({ timestamp: t0 + i, message: JSON.stringify(e) })));
    await expectWebhookFindings(
      events,
      async (p) => {
        await waitFor(async () => (await records(p)).length >= events.length, { what: 'the EKS events stored', timeoutMs: 90_000 });
      },
      3,
      { env: eksEnv(group), ignore: ['plaintext-ingest'] },
    );
  }, 180_000);

  it('with KAUDIT_EKS_START=now reads what is written after its first start, and keeps that start across restarts', async () => {
    const group = '/aws/eks/from-now/cluster';
    await createLogGroup(moto, group, ['kube-apiserver-audit-1']);
    const old = withId(events[0] ?? { auditID: '' }, 'before');
    await putLogEvents(moto, group, 'kube-apiserver-audit-1', [{ timestamp: Date.now() - 60_000, message: JSON.stringify(old) }]);
    const env = eksEnv(group, { KAUDIT_EKS_START: 'now' });
    const first = await startPipeline({ env });
    await first.stop();
    // after the first start, while kaudit is down
    const later = withId(events[1] ?? { auditID: '' }, 'after');
    await putLogEvents(moto, group, 'kube-apiserver-audit-1', [{ timestamp: Date.now(), message: JSON.stringify(later) }]);
    const again = await restart(first, env);
    try {
      await waitFor(async () => (await records(again)).length > 0, { what: 'the event written after the first start', timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 1000));
      expect((await records(again)).map((r) => r.auditId)).toEqual([later.auditID]);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('keeps running and says why when the log group does not exist, and reads it once it does', async () => {
    const group = '/aws/eks/not-yet/cluster';
    const p = await startPipeline({ env: eksEnv(group) });
    try {
      await waitFor(async () => /kaudit_ingest_eks_poll_failures_total\{cluster="not-yet",service="ingest"\} [1-9]/.test(await (await fetch(p.webhookUrl.replace(/\/v1\/webhook$/, '/metrics'))).text()), { what: 'a failed poll counted', timeoutMs: 30_000 });
      await createLogGroup(moto, group, ['kube-apiserver-audit-1']);
      await putLogEvents(moto, group, 'kube-apiserver-audit-1', [{ timestamp: t0, message: JSON.stringify(withId(events[0] ?? { auditID: '' }, 'late-group')) }]);
      await waitFor(async () => (await records(p)).length === 1, { what: 'the event of the group created late', timeoutMs: 60_000 });
    } finally {
      await p.stop();
    }
  }, 120_000);
});
