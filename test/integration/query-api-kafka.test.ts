// Every query API endpoint, role and error path over data that went through the whole pipeline on a
// real Kafka broker (ingest → analyzer → store), fed with ../shared/corpus events (corpusBatch) plus one
// request made with a bound service-account token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { corpusBatch, eventList } from '#shared/testing';
import { apiTokens, getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { kafkaBrokerList, waitFor } from '../kafka/index.js';

const tokenEvent = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'sa-token-request',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/configmaps/app',
  verb: 'get',
  user: {
    username: 'system:serviceaccount:prod:web',
    groups: ['system:serviceaccounts', 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': ['JTI=4f2c'], 'authentication.kubernetes.io/pod-name': ['web-1'] },
  },
  sourceIPs: ['10.2.0.4'],
  objectRef: { resource: 'configmaps', namespace: 'prod', name: 'app', apiVersion: 'v1' },
  responseStatus: { code: 200 },
  stageTimestamp: '2026-11-20T08:00:00.000000Z',
  annotations: { 'authorization.k8s.io/decision': 'allow' },
};

describe('query API over the Kafka pipeline', () => {
  let p: Pipeline;
  const batch = corpusBatch();
  const status = async (path: string, token?: string) =>
    (await fetch(`${p.apiUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})).status;

  beforeAll(async () => {
    p = await startPipeline({ brokers: kafkaBrokerList() });
    expect((await postEvents(p, eventList([...batch.items, tokenEvent]))).status).toBe(200);
    await waitFor(async () => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000')).items.length === batch.valid + 1, {
      what: 'every record',
      timeoutMs: 60_000,
    });
    // findings travel on their own topic: wait for them too (cluster-wide stateful ones aside)
    const perEvent = (fs: Finding[]) => fs.filter((f) => f.ruleId !== 'audit-silence' && f.ruleId !== 'plaintext-ingest');
    await waitFor(async () => perEvent((await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items).length >= batch.expectedFindings.length, {
      what: 'every finding',
      timeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    await p.stop();
  });

  it('findings: list, by id with its record, 401 without a token, 404 for an unknown id', async () => {
    const list = await getJson<{ items: Finding[] }>(p, '/v1/findings?ruleId=anonymous-request-allowed', apiTokens.viewer.token);
    expect(list.items).toHaveLength(2);
    const first = list.items[0];
    if (!first) throw new Error('no finding');
    const one = await getJson<{ finding: Finding; record: NormalizedRecord | null }>(p, `/v1/findings/${first.id}`, apiTokens.viewer.token);
    expect(one.finding.id).toBe(first.id);
    expect(one.record?.auditId).toBe(first.auditId);
    expect(await status('/v1/findings')).toBe(401);
    expect(await status('/v1/findings/0123456789abcdef0123456789abcdef', apiTokens.viewer.token)).toBe(404);
  });

  it('events: list and by auditId with the raw event for analysts, 403 for viewers, 404 unknown', async () => {
    const one = await getJson<{ items: { record: NormalizedRecord; raw: Record<string, unknown> }[] }>(p, '/v1/events/sa-token-request', apiTokens.analyst.token);
    expect(one.items).toHaveLength(1);
    expect(one.items[0]?.record).toMatchObject({ credentialKind: 'sa-bound-token', pod: { name: 'web-1' } });
    expect(one.items[0]?.raw).toMatchObject({ auditID: 'sa-token-request' });
    expect(await status('/v1/events/sa-token-request', apiTokens.viewer.token)).toBe(403);
    expect(await status('/v1/events', apiTokens.viewer.token)).toBe(403);
    expect(await status('/v1/events/no-such-audit-id', apiTokens.analyst.token)).toBe(404);
  });

  it('stats: buckets per rule and day; 400 naming a bad groupBy', async () => {
    const stats = await getJson<{ buckets: { key: string | null; count: number; start: string | null }[] }>(p, '/v1/stats?groupBy=ruleId', apiTokens.viewer.token);
    const anonymous = stats.buckets.find((b) => b.key === 'anonymous-request-allowed');
    expect(anonymous?.count).toBe(2);
    const daily = await getJson<{ buckets: { start: string | null }[] }>(p, '/v1/stats?groupBy=severity&interval=1d', apiTokens.viewer.token);
    expect(daily.buckets.every((b) => b.start !== null)).toBe(true);
    const bad = await fetch(`${p.apiUrl}/v1/stats?groupBy=nope`, { headers: { authorization: `Bearer ${apiTokens.viewer.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('"groupBy"');
  });

  it('identities and credentials for analysts; 404 for an unknown user; 400 naming staleAfterDays', async () => {
    const admin = await getJson<{ user: string; forbidden: number; findingsByRule: { ruleId: string; count: number }[] }>(p, '/v1/identities/system%3Aadmin', apiTokens.analyst.token);
    expect(admin.user).toBe('system:admin');
    expect(admin.findingsByRule.find((f) => f.ruleId === 'system-masters-used')?.count).toBe(37);
    expect(await status('/v1/identities/nobody-at-all', apiTokens.analyst.token)).toBe(404);
    expect(await status('/v1/identities/system%3Aadmin', apiTokens.viewer.token)).toBe(403);
    const creds = await getJson<{ items: { credentialId: string; credentialKind: string; user: string }[] }>(p, '/v1/credentials', apiTokens.analyst.token);
    expect(creds.items).toEqual([expect.objectContaining({ credentialId: 'JTI=4f2c', credentialKind: 'sa-bound-token', user: 'system:serviceaccount:prod:web' })]);
    expect(await status('/v1/credentials?staleAfterDays=0', apiTokens.analyst.token)).toBe(400);
  });

  it('rules for viewers; OpenAPI lists every endpoint', async () => {
    const rules = await getJson<{ items: { id: string }[] }>(p, '/v1/rules', apiTokens.viewer.token);
    expect(rules.items.length).toBeGreaterThanOrEqual(56);
    const doc = (await (await fetch(`${p.apiUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/findings', '/v1/findings/{id}', '/v1/events', '/v1/events/{auditId}', '/v1/stats', '/v1/identities/{user}', '/v1/credentials', '/v1/rules']),
    );
  });
});
