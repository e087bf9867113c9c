// vitest globalSetup of the `integration` project: one real Kafka broker for the whole run.
// Source order (see broker-sources.ts): KAFKA_BROKERS, else testcontainers, else the local broker.
import './provided-context.js';
import kafkajs from 'kafkajs';
import type { TestProject } from 'vitest/node';
import { acquireBroker, type AcquiredBroker } from './broker-sources.js';

const { Kafka, logLevel } = kafkajs;

const VERIFY_TIMEOUT_MS = 60_000;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** admin.connect + describeCluster, retried until the broker answers or 60 s have passed. */
async function verifyBroker(brokers: string): Promise<number> {
  const kafka = new Kafka({
    clientId: 'kaudit-test-global-setup',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + VERIFY_TIMEOUT_MS;
  let lastError: unknown;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return cluster.brokers.length;
      lastError = new Error('describeCluster returned no brokers');
    } catch (err) {
      lastError = err;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    // retry back-off while the broker comes up (not a test assertion sleep)
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
  }
  const cause = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`Kafka broker ${brokers} did not answer admin.describeCluster within ${VERIFY_TIMEOUT_MS / 1000} s: ${cause}`, {
    cause: lastError,
  });
}

/**
 * Best effort: make the broker create and load __consumer_offsets and __transaction_state now,
 * so that the first consumer group / idempotent producer of a test does not hit
 * "The coordinator is loading" / "group coordinator is not available" (kafkajs retries those,
 * but logs them as errors and restarts consumers).
 */
async function warmUpCoordinators(brokers: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'kaudit-test-global-setup-warmup',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const admin = kafka.admin();
  const producer = kafka.producer({
    transactionalId: `kaudit-test-warmup-${suffix}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  try {
    await admin.connect();
    await admin.describeGroups([`kaudit-test-warmup-${suffix}`]); // FindCoordinator(GROUP) + DescribeGroups
    await producer.connect();
    const txn = await producer.transaction(); // FindCoordinator(TRANSACTION) + InitProducerId
    await txn.abort();
  } catch (err) {
    log(`[kafka] coordinator warm-up did not finish (tests will retry by themselves): ${String(err)}`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const previousEnv = process.env.KAFKA_BROKERS;
  const broker: AcquiredBroker = await acquireBroker(log);
  try {
    await verifyBroker(broker.brokers);
    await warmUpCoordinators(broker.brokers);
  } catch (err) {
    await broker.stop().catch((stopErr: unknown) => { log(`[kafka] stopping the broker failed: ${String(stopErr)}`); });
    throw err;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(`[kafka] broker ${broker.brokers} from ${broker.source} (ready in ${seconds}s)`);

  project.provide('kafkaBrokers', broker.brokers);
  process.env.KAFKA_BROKERS = broker.brokers;

  return async () => {
    if (previousEnv === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = previousEnv;
    if (broker.source === 'env') return;
    const t0 = performance.now();
    await broker.stop();
    log(`[kafka] broker ${broker.brokers} from ${broker.source} stopped (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  };
}
