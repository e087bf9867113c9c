// kaudit's own Kafka connection over TLS and SASL, as managed Kafka services ask: against a real broker
// (test/kafka/own-broker.ts with broker.sh's KAFKA_BROKER_SECURITY) with a SASL_SSL listener (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512) and a listener that requires a client certificate (mutual TLS), both with
// a CA made for the broker. Configured exactly as npm start is, from the environment (parseEnv → commonConfig).
// Events from ../shared/corpus: falco-k8s-audit/anonymous_creates_namespace_foo.json (finding
// anonymous-request-allowed), through the whole pipeline on SCRAM-SHA-512.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, topicNames, type Bus, type InMessage } from '#shared/bus';
import { commonConfig, parseEnv } from '#shared/config';
import type { Finding } from '#shared/contracts';
import { silentLogger } from '#shared/logging';
import { corpusLines, eventList } from '#shared/testing';
import { getJson, postEvents, startPipeline } from '../helpers/pipeline.js';
import { startOwnBroker, type OwnBroker } from '../kafka/own-broker.js';
import { waitFor } from '../kafka/index.js';

let broker: OwnBroker;
let sec: Record<string, string>;

beforeAll(async () => {
  broker = await startOwnBroker({ security: true });
  if (broker.security === undefined) throw new Error('the broker wrote no security.env');
  sec = broker.security;
}, 10 * 60_000);

afterAll(async () => {
  await broker.stop();
});

const need = (name: string): string => {
  const v = sec[name];
  if (v === undefined || v === '') throw new Error(`security.env has no ${name}`);
  return v;
};

/** npm start's environment for the secured listeners: SASL over TLS with `mechanism`, or mutual TLS. */
function secureEnv(how: 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'mtls'): Record<string, string> {
  if (how === 'mtls') {
    return { KAFKA_BROKERS: need('KAFKA_MTLS_BROKERS'), KAFKA_TLS_CA_FILE: need('KAFKA_TEST_CA_FILE'), KAFKA_TLS_CERT_FILE: need('KAFKA_TEST_CLIENT_CERT_FILE'), KAFKA_TLS_KEY_FILE: need('KAFKA_TEST_CLIENT_KEY_FILE') };
  }
  const user = how.toUpperCase().replaceAll('-', '_');
  return {
    KAFKA_BROKERS: need('KAFKA_SASL_SSL_BROKERS'),
    KAFKA_TLS: 'true',
    KAFKA_TLS_CA_FILE: need('KAFKA_TEST_CA_FILE'),
    KAFKA_SASL_MECHANISM: how,
    KAFKA_SASL_USERNAME: need(`KAFKA_TEST_${user}_USERNAME`),
    KAFKA_SASL_PASSWORD: need(`KAFKA_TEST_${user}_PASSWORD`),
  };
}

function busFrom(env: Record<string, string>, prefix: string): Bus {
  const { bus } = commonConfig(parseEnv({ ...env, KAUDIT_TOPIC_PREFIX: prefix, KAUDIT_TOPIC_PARTITIONS: '1' }));
  return createBus({ config: bus, clientId: 'kaudit-security-test', logger: silentLogger() });
}

describe('Kafka over TLS and SASL', () => {
  for (const how of ['plain', 'scram-sha-256', 'scram-sha-512', 'mtls'] as const) {
    it(`creates its topics, produces and consumes over ${how === 'mtls' ? 'mutual TLS' : `SASL_SSL with ${how}`}`, async () => {
      const prefix = `sec${randomBytes(4).toString('hex')}.`;
      const bus = busFrom(secureEnv(how), prefix);
      await bus.start();
      try {
        const topics = topicNames(prefix);
        const value = Buffer.from(JSON.stringify({ over: how }));
        await bus.produce(topics.dlq, [{ key: 'k', value }]);
        const got: InMessage[] = [];
        const sub = await bus.consume({
          groupId: `${prefix}g`,
          topics: [topics.dlq],
          handler: (batch) => {
            got.push(...batch.messages);
            return Promise.resolve();
          },
        });
        await waitFor(() => Promise.resolve(got.length > 0), { what: `the message over ${how}`, timeoutMs: 60_000 });
        await sub.stop();
        expect(got.map((m) => m.value.toString())).toEqual([value.toString()]);
      } finally {
        await bus.close();
      }
    }, 120_000);
  }

  it('refuses a wrong password with the broker’s reason, never the password itself', async () => {
    const env = { ...secureEnv('scram-sha-256'), KAFKA_SASL_PASSWORD: 'wrong-password-a1b2c3' };
    const bus = busFrom(env, `sec${randomBytes(4).toString('hex')}.`);
    const err = await bus.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await bus.close().catch(() => undefined);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/authentication failed/i);
    expect((err as Error).message).not.toContain('wrong-password-a1b2c3');
  }, 120_000);

  it('cannot reach the mutual-TLS listener without a client certificate', async () => {
    const { KAFKA_BROKERS, KAFKA_TLS_CA_FILE } = secureEnv('mtls');
    const bus = busFrom({ KAFKA_BROKERS: KAFKA_BROKERS ?? '', KAFKA_TLS_CA_FILE: KAFKA_TLS_CA_FILE ?? '' }, `sec${randomBytes(4).toString('hex')}.`);
    const err = await bus.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await bus.close().catch(() => undefined);
    expect(err).toBeInstanceOf(Error);
  }, 120_000);

  it('runs the whole pipeline on SCRAM-SHA-512 over TLS: a corpus event reaches its finding', async () => {
    const prefix = `sec${randomBytes(4).toString('hex')}.`;
    const p = await startPipeline({ topicPrefix: prefix, env: secureEnv('scram-sha-512') });
    try {
      const [event] = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
      expect((await postEvents(p, eventList([event]))).status).toBe(200);
      let findings: Finding[] = [];
      await waitFor(
        async () => {
          findings = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=100')).items;
          return findings.some((f) => f.ruleId === 'anonymous-request-allowed');
        },
        { what: 'the anonymous-request-allowed finding', timeoutMs: 90_000 },
      );
      expect(findings.map((f) => f.ruleId)).toContain('anonymous-request-allowed');
    } finally {
      await p.stop();
    }
  }, 180_000);
});
