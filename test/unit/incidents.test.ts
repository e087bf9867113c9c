// Incidents (#18): "repeated findings of one rule for one identity within a window are grouped into one
// incident (count, first and last time, the findings behind it) in the store and the query API
// (GET /v1/incidents, filters as findings), so a dashboard shows one line where a capture raised 49
// identical findings in two seconds". Through npm start's wiring on the embedded bus.
import { describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { auditEventOf, eventList } from '#shared/testing';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';
import type { Incident } from '../../services/store/src/queries/incidents.js';

const at = (base: number, ms: number) => new Date(base + ms).toISOString();
// in the past: a time ahead of the receive time is not taken as the event time
const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3600_000;
/** A request by `user` (in system:masters) at `ms` after t0: one system-masters-used finding each. */
const masters = (user: string, i: number, ms: number, namespace = 'shop') =>
  auditEventOf({ auditID: `inc-${user}-${String(i)}`, user: { username: user, groups: ['system:masters', 'system:authenticated'] }, verb: 'get', requestURI: `/api/v1/namespaces/${namespace}/configmaps/c${String(i)}`, objectRef: { resource: 'configmaps', namespace, name: `c${String(i)}`, apiVersion: 'v1' }, requestReceivedTimestamp: at(t0, ms), stageTimestamp: at(t0, ms + 1) });

async function filled(): Promise<Pipeline> {
  const p = await startPipeline();
  const events = [
    // alice: 49 in two seconds, then 3 more 20 minutes later (a second incident)
    ...Array.from({ length: 49 }, (_, i) => masters('alice', i, i * 40, i % 2 === 0 ? 'shop' : 'payments')),
    ...Array.from({ length: 3 }, (_, i) => masters('alice', 100 + i, 20 * 60_000 + i * 1000)),
    // bob: 5 in the same two seconds as alice's first
    ...Array.from({ length: 5 }, (_, i) => masters('bob', i, i * 300)),
  ];
  expect((await postEvents(p, eventList(events))).status).toBe(200);
  await waitFor(async () => (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000&ruleId=system-masters-used')).items.length === 57, { what: 'the 57 findings', timeoutMs: 30_000 });
  return p;
}

describe('GET /v1/incidents', () => {
  it('groups the findings of one rule and identity that follow each other within the window, the latest incident first', async () => {
    const p = await filled();
    try {
      const { items } = await getJson<{ items: Incident[] }>(p, '/v1/incidents?ruleId=system-masters-used');
      expect(items.map((i) => [i.user, i.count])).toEqual([
        ['alice', 3],
        ['alice', 49],
        ['bob', 5],
      ]);
      const burst = items[1];
      const findings = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000&ruleId=system-masters-used&user=alice')).items.filter((f) => f.eventTime < at(t0, 60_000));
      expect(burst).toMatchObject({ ruleId: 'system-masters-used', severity: 'medium', cluster: 'corpus', first: findings.at(-1)?.eventTime, last: findings[0]?.eventTime, namespaces: ['payments', 'shop'] });
      expect(burst?.findingIds).toHaveLength(20);
      expect(burst?.id).toBe(findings.at(-1)?.id);
      expect(burst?.findingIds[0]).toBe(burst?.id);
      // a wider window joins alice's two incidents; a narrower one splits her burst
      expect((await getJson<{ items: Incident[] }>(p, '/v1/incidents?ruleId=system-masters-used&user=alice&windowSeconds=3600')).items.map((i) => i.count)).toEqual([52]);
      expect((await getJson<{ items: Incident[] }>(p, '/v1/incidents?ruleId=system-masters-used&user=bob&windowSeconds=1')).items.map((i) => i.count)).toEqual([5]);
      // the filters select findings before they are grouped
      expect((await getJson<{ items: Incident[] }>(p, '/v1/incidents?ruleId=system-masters-used&namespace=payments')).items.map((i) => [i.user, i.count])).toEqual([['alice', 24]]);
      expect((await getJson<{ items: Incident[] }>(p, `/v1/incidents?ruleId=system-masters-used&since=${encodeURIComponent(at(t0, 10 * 60_000))}`)).items.map((i) => i.count)).toEqual([3]);
      expect((await getJson<{ items: Incident[] }>(p, '/v1/incidents?ruleId=system-masters-used&severity=high')).items).toEqual([]);
    } finally {
      await p.stop();
    }
  }, 60_000);

  it('pages with a cursor, serves one incident with its findings, and refuses what is wrong', async () => {
    const p = await filled();
    try {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Incident[]; nextCursor: string | null } = await getJson(p, `/v1/incidents?ruleId=system-masters-used&limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        seen.push(...page.items.map((i) => `${i.user} ${String(i.count)}`));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(['alice 3', 'alice 49', 'bob 5']);

      const [, burst] = (await getJson<{ items: Incident[] }>(p, '/v1/incidents?ruleId=system-masters-used')).items;
      const one = await getJson<{ incident: Incident; findings: Finding[] }>(p, `/v1/incidents/${encodeURIComponent(burst?.id ?? '')}?limit=1000`);
      expect(one.incident).toEqual(burst);
      expect(one.findings).toHaveLength(49);
      expect(new Set(one.findings.map((f) => f.user))).toEqual(new Set(['alice']));
      const auth = { authorization: 'Bearer viewer-token-0123456789' };
      const res = (path: string, headers: Record<string, string> = auth) => fetch(`${p.apiUrl}${path}`, { headers });
      expect((await res(`/v1/incidents/${encodeURIComponent(burst?.findingIds[1] ?? '')}`)).status).toBe(404);
      expect((await res('/v1/incidents/nope')).status).toBe(404);
      expect((await res('/v1/incidents?windowSeconds=0')).status).toBe(400);
      expect((await res('/v1/incidents?cursor=bogus')).status).toBe(400);
      expect((await res('/v1/incidents', {})).status).toBe(401);
      expect((await res('/v1/incidents')).status).toBe(200);
    } finally {
      await p.stop();
    }
  }, 60_000);
});
