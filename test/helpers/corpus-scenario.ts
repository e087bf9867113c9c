// The acceptance scenario of the foundation, run on the embedded bus (unit) and on real Kafka
// (integration): a ../shared/corpus EventList (see corpusBatch) in, the expected findings out, and a
// second delivery of the same batch adds nothing.
import { expect } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { corpusBatch, eventList } from '#shared/testing';
import { getJson, postEvents, type Pipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

// Cluster-wide stateful rules depend on arrival order across partitions (the corpus spans 2017–2023,
// so audit-silence fires on whichever event ends a gap first): compared separately.
const clusterWide = new Set(['audit-silence', 'plaintext-ingest']);
const perEvent = (fs: Finding[]) => fs.filter((f) => !clusterWide.has(f.ruleId));

export async function corpusScenario(p: Pipeline): Promise<void> {
  const batch = corpusBatch();
  const first = await postEvents(p, eventList(batch.items));
  expect(first.status).toBe(200);
  expect(await first.json()).toMatchObject({ accepted: batch.valid, rejected: batch.malformed });

  const findings = await waitFor(
    async () => {
      const page = await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000');
      return perEvent(page.items).length >= batch.expectedFindings.length ? page.items : undefined;
    },
    { what: 'findings' },
  );
  const key = (f: { ruleId: string; auditId: string }) => `${f.auditId} ${f.ruleId}`;
  expect(perEvent(findings).map(key).sort()).toEqual(batch.expectedFindings.map(key).sort());
  // the webhook spoke plain HTTP: reported once for the cluster, not per event
  expect(findings.filter((f) => f.ruleId === 'plaintext-ingest')).toHaveLength(1);
  await waitFor(
    async () => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000')).items.length === batch.valid,
    { what: 'all records' },
  );

  // The API server retries whole batches: a second delivery must change nothing.
  expect((await postEvents(p, eventList(batch.items))).status).toBe(200);
  const marker = eventList([{ ...(batch.items[0] as object), auditID: 'marker-after-retry' }]);
  expect((await postEvents(p, marker)).status).toBe(200);
  await waitFor(
    async () => (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?user=system:anonymous&limit=1000')).items.some((r) => r.auditId === 'marker-after-retry'),
    { what: 'marker record' },
  );
  const records = await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000');
  expect(records.items).toHaveLength(batch.valid + 1);
  // the marker is a copy of the first item under a new auditID: it adds that item's findings once more
  // (findings travel on their own topic: wait for the marker's, then count everything)
  const firstId = (batch.items[0] as { auditID: string }).auditID;
  const perMarker = batch.expectedFindings.filter((f) => f.auditId === firstId).length;
  const after = await waitFor(
    async () => {
      const items = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items;
      return perEvent(items).filter((f) => f.auditId === 'marker-after-retry').length === perMarker ? items : undefined;
    },
    { what: 'the marker findings' },
  );
  expect(perEvent(after)).toHaveLength(batch.expectedFindings.length + perMarker);
  }
