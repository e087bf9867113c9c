// The notify service as its own process (microservice mode, its built entry point) on a real Kafka broker:
// findings on the findings topic's 3 partitions, of 6 identities, to a webhook that answers 503 until the
// process has been killed with SIGKILL and started again. Afterwards every finding has reached the output
// sent one by one (under its id), and the grouped output's windows — their state on the compacted notify
// topic, read back at the restart — add up to every finding, 100 per identity, each window id always with
// the same count.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { allTopics, createKafkaBus, messageKey, topicNames } from '#shared/bus';
import type { Finding } from '#shared/contracts';
import { silentLogger } from '#shared/logging';
import { repoRoot } from '#shared/testing';
import { kafkaBrokerList, uniqueName, waitFor } from '../kafka/index.js';
import { freePort } from '../helpers/free-port.js';
import { kafkaServiceEnv, startServiceProcess } from '../helpers/service-process.js';
import { webhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const main = path.join(repoRoot, 'dist', 'services', 'notify', 'src', 'main.js');
const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const perUser = 100;
const finding = (user: string, i: number): Finding => ({
  id: `nf-${user}-${String(i)}`, ruleId: 'secret-read-burst', title: 'Secrets read in a burst', severity: 'high', category: 'credentials', mitre: [], cluster: 'kafka', auditId: `a-${user}-${String(i)}`,
  stage: 'ResponseComplete', eventTime: new Date(Date.UTC(2026, 11, 7) + i * 10).toISOString(), user, groups: [], sourceIps: ['10.1.2.3'], userAgent: 'kubectl', verb: 'get', apiGroup: '',
  resource: 'secrets', subresource: null, namespace: 'shop', name: `s-${String(i)}`, decision: 'allow', responseCode: 200, summary: `${user} read a secret`, evidence: {},
});

describe('notify as a microservice on Kafka', () => {
  const children: ChildProcess[] = [];
  let receiver: WebhookReceiver | undefined;
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await receiver?.close();
  });

  it('refuses to start without KAUDIT_NOTIFY_FILE, saying so', () => {
    const run = spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH, KAFKA_BROKERS: '127.0.0.1:1' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr + run.stdout).toMatch(/KAUDIT_NOTIFY_FILE: not set/);
  });

  it('delivers every finding, one by one and grouped, after SIGKILL during an outage of the output', async () => {
    const r = await webhookReceiver();
    receiver = r;
    const url = r.url.replace(/\/$/, '');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-kafka-'));
    const file = path.join(dir, 'notify.yaml');
    writeFileSync(
      file,
      `outputs:\n  each: { type: webhook, template: json, url: "${url}/each" }\n  grouped: { type: webhook, template: json, url: "${url}/grouped" }\nroutes:\n  - { name: one-by-one, outputs: [each] }\n  - { name: digest, outputs: [grouped], group: { windowSeconds: 3 } }\ndelivery: { firstBackoffMs: 100, maxBackoffMs: 1000 }\n`,
    );

    const prefix = `${uniqueName('nk')}.`;
    const topics = topicNames(prefix);
    const bus = createKafkaBus({ brokers: kafkaBrokerList(), clientId: uniqueName('nk'), topics: allTopics(topics), partitions: 3, compactedTopics: [topics.state, topics.sources, topics.notify], logger: silentLogger() });
    await bus.start();
    const port = await freePort();
    const env = kafkaServiceEnv(prefix, { KAUDIT_NOTIFY_PORT: String(port), KAUDIT_NOTIFY_FILE: file });
    const metrics = async () => (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
    const value = async (name: string, output: string) => Number(new RegExp(`^${name}\\{output="${output}",service="notify"\\} (\\d+)`, 'm').exec(await metrics())?.[1] ?? 'NaN');
    try {
      const first = await startServiceProcess(main, env, port, children);
      for (const user of users) {
        await bus.produce(
          topics.findings,
          Array.from({ length: perUser }, (_, i) => ({ key: messageKey('kafka', user), value: Buffer.from(JSON.stringify(finding(user, i))) })),
        );
      }
      // every finding in a window, the output failing for both: killed while it retries
      await waitFor(async () => (await value('kaudit_notify_grouped_waiting', 'grouped')) === users.length * perUser, { what: 'the findings in their windows', timeoutMs: 60_000 });
      await waitFor(async () => (await value('kaudit_notify_retried_total', 'grouped')) > 0 && (await value('kaudit_notify_retried_total', 'each')) > 0, { what: 'both outputs retrying', timeoutMs: 60_000 });
      // longer than the consumer's session timeout (10 s): a retrying output stays in its group, keeping its
      // partitions (its batch heartbeats while it waits)
      await new Promise((r) => setTimeout(r, 15_000));
      const admin = new Kafka({ brokers: kafkaBrokerList(), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([`${prefix}notify-each`]);
        expect(groups.map((g) => ({ state: g.state, members: g.members.length }))).toEqual([{ state: 'Stable', members: 1 }]);
      } finally {
        await admin.disconnect();
      }
      expect(await metrics()).not.toMatch(/kaudit_notify_sent_total\{output="each",service="notify"\} [1-9]/);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      expect(r.got).toEqual([]);

      r.up();
      await startServiceProcess(main, env, port, children);
      const each = () => new Set(r.got.filter((g) => g.path === '/each').map((g) => g.key));
      const windows = () => new Map(r.got.filter((g) => g.path === '/grouped').map((g) => [g.key, g]));
      const grouped = () => [...windows().values()].reduce((sum, g) => sum + g.count, 0);
      await waitFor(() => Promise.resolve(each().size === users.length * perUser && grouped() >= users.length * perUser), { what: 'every finding delivered', timeoutMs: 90_000, intervalMs: 250 });
      expect(each()).toEqual(new Set(users.flatMap((u) => Array.from({ length: perUser }, (_, i) => finding(u, i).id))));
      expect(grouped()).toBe(users.length * perUser);
      for (const u of users) expect([...windows().values()].filter((g) => g.body.user === u).reduce((sum, g) => sum + g.count, 0)).toBe(perUser);
      for (const g of r.got.filter((x) => x.path === '/grouped')) expect(g.count).toBe(windows().get(g.key)?.count);
      expect(windows().size).toBeLessThanOrEqual(users.length * 3);
      // the restarted process read the windows back from the compacted topic
      expect((await bus.readAll(topics.notify)).length).toBeGreaterThan(0);
      await waitFor(async () => (await value('kaudit_notify_grouped_waiting', 'grouped')) === 0, { what: 'no window left', timeoutMs: 10_000 });
    } finally {
      await bus.close();
    }
  }, 240_000);
});
