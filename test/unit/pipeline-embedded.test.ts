// Whole pipeline in one process over the embedded durable bus (what `npm start` runs), fed with
// ../shared/corpus events (see shared/testing corpusBatch for which).
import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { auditEventOf, eventList } from '#shared/testing';
import { corpusScenario } from '../helpers/corpus-scenario.js';
import { getJson, postEvents, pipelineForSuite, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait-for.js';

describe('pipeline on the embedded bus', () => {
  let p: Pipeline;
  pipelineForSuite((started) => (p = started));

  it('turns a corpus EventList into records and the expected findings, once, however often it is posted', async () => {
    await corpusScenario(p);
  });

  it('stores an event with a lone UTF-16 surrogate in its strings (as U+FFFD), and the events after it', async () => {
    // JSON allows "\ud800"; DuckDB's JSON reader does not: one such event must not fail its batch and stall the store
    const lone = auditEventOf({
      auditID: 'lone-surrogate',
      verb: 'create',
      userAgent: 'curl/8 \ud800',
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      requestURI: '/api/v1/namespaces/default/configmaps',
      objectRef: { resource: 'configmaps', namespace: 'default', name: 'x\udc00', apiVersion: 'v1' },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    });
    const after = auditEventOf({ auditID: 'after-lone-surrogate', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } });
    expect((await postEvents(p, eventList([lone, after]))).status).toBe(200);
    const records = await waitFor(
      async () => {
        const items = (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?user=system:anonymous&limit=1000')).items;
        return items.some((r) => r.auditId === 'after-lone-surrogate') && items.some((r) => r.auditId === 'lone-surrogate') ? items : undefined;
      },
      { what: 'both records' },
    );
    const stored = records.find((r) => r.auditId === 'lone-surrogate');
    expect(stored?.userAgent).toBe('curl/8 \ufffd');
    expect(stored?.name).toBe('x\ufffd');
    const findings = await waitFor(
      async () => {
        const items = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items.filter((f) => f.auditId === 'lone-surrogate');
        return items.length > 0 ? items : undefined;
      },
      { what: 'the finding on the event' },
    );
    expect(findings.map((f) => f.name)).toContain('x\ufffd');
  });
});

