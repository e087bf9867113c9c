import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { loadStandaloneConfig } from '#shared/config';
import { listeningPort } from '#shared/http';
import { createLifecycle } from '#shared/lifecycle';
import { silentLogger } from '#shared/logging';
import { auditEventOf, eventList } from '#shared/testing';
import { loopbackEnv } from '../../services/standalone/src/loopback.js';
import { runStandalone } from '../../services/standalone/src/run.js';
import { freePort } from '../helpers/free-port.js';
import { apiTokens, ingestToken, testRedactionKey } from '../helpers/pipeline.js';
import { stateSurvivesRestart } from '../helpers/state-scenario.js';
import { waitFor } from '../helpers/wait-for.js';

describe('rule state on the embedded bus', () => {
  it('survives a restart of the analyzer (state topic written per batch, read back on start)', async () => {
    await stateSurvivesRestart();
  });
});

describe('a large rule state on the embedded bus', () => {
  it('does not keep the webhook from answering: ingest acknowledges batches while the analyzer restores, and they are analysed after', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-bigstate-'));
    const prefix = 'big.';
    const topics = topicNames(prefix);
    // 600k keys of rule state, as a long-running analyzer leaves them
    const bus = createEmbeddedBus({ dir: path.join(dataDir, 'bus'), topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    for (let b = 0; b < 60; b++) {
      await bus.produce(topics.state, Array.from({ length: 10_000 }, (_v, i) => ({ key: `win:anonymous-scan:c/${String(b)}-${String(i)}`, value: Buffer.from(JSON.stringify({ members: ['a|ResponseComplete|d'], first: 1_764_583_200_000 })) })));
    }
    await bus.close();
    const ingestPort = await freePort();
    const config = loadStandaloneConfig(
      loopbackEnv({
        dataDir,
        ingestToken,
        apiTokens: [apiTokens.admin],
        redactionKey: testRedactionKey.toString('utf8'),
        env: { KAUDIT_INGEST_PORT: String(ingestPort), KAUDIT_TOPIC_PREFIX: prefix },
      }),
    );
    const lifecycle = createLifecycle({ logger: silentLogger() });
    let started = false;
    const running = runStandalone({ config, logger: silentLogger(), lifecycle, clientId: 'kaudit-test' }).then((s) => {
      started = true;
      return s;
    });
    try {
      let answeredDuringRestore = 0;
      const event = auditEventOf({ auditID: 'during-restore' });
      await waitFor(
        async () => {
          try {
            const res = await fetch(`http://127.0.0.1:${String(ingestPort)}/v1/webhook`, {
              method: 'POST',
              headers: { authorization: `Bearer ${ingestToken.token}`, 'content-type': 'application/json' },
              body: JSON.stringify(eventList([event])),
            });
            if (res.status === 200 && !started) answeredDuringRestore++;
            return res.status === 200;
          } catch {
            return false;
          }
        },
        { what: 'the webhook answering', timeoutMs: 60_000, intervalMs: 10 },
      );
      expect(started).toBe(false);
      expect(answeredDuringRestore).toBe(1);
      const s = await running;
      const port = listeningPort(s.api.server);
      await waitFor(
        async () => {
          const r = await fetch(`http://127.0.0.1:${String(port)}/v1/events/during-restore`, { headers: { authorization: `Bearer ${apiTokens.admin.token}` } });
          return r.status === 200;
        },
        { what: 'the event analysed and stored after the restore', timeoutMs: 30_000 },
      );
    } finally {
      await running.catch(() => undefined);
      await lifecycle.shutdown('test done');
    }
  }, 120_000);
});
