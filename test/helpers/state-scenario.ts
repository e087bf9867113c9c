// Stateful rules survive a restart of the analyzer: their state goes to the compacted `state` topic
// after each batch and is read back on start. Run on the embedded bus (unit) and real Kafka (integration).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { auditEventOf } from '#shared/testing';
import { getJson, postEvents, startPipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

const event = (auditID: string, time: string) =>
  auditEventOf({
    auditID,
    requestURI: '/api/v1/namespaces/default/configmaps',
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  });

export async function stateSurvivesRestart(brokers?: string[]): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-state-'));
  const topicPrefix = `st${String(Date.now())}${String(Math.floor(Math.random() * 1e6))}.`;
  const opts = { dataDir, topicPrefix, ...(brokers ? { brokers } : {}) };

  const first = await startPipeline(opts);
  expect((await postEvents(first, { kind: 'EventList', items: [event('before-gap', '2026-05-01T10:00:00.000000Z')] })).status).toBe(200);
  await waitFor(async () => (await getJson<{ items: NormalizedRecord[] }>(first, '/v1/events')).items.length === 1, { what: 'first record' });
  await first.stop();

  // a new analyzer: it only knows the cluster's last event time if the state was restored
  const second = await startPipeline(opts);
  try {
    expect((await postEvents(second, { kind: 'EventList', items: [event('after-gap', '2026-05-01T11:00:00.000000Z')] })).status).toBe(200);
    const silence = await waitFor(
      async () => (await getJson<{ items: Finding[] }>(second, '/v1/findings?ruleId=audit-silence')).items[0],
      { what: 'audit-silence after the restart' },
    );
    expect(silence).toMatchObject({ auditId: 'after-gap', evidence: { gapMinutes: 60, silentSince: '2026-05-01T10:00:00.000Z' } });
  } finally {
    await second.stop();
  }
}
