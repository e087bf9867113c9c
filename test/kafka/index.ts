// Helpers for tests that talk to the real Kafka broker started by test/kafka/global-setup.ts.
import './provided-context.js';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';


/** The broker list (comma-separated host:port) of this test run's Kafka broker. */
export function kafkaBrokers(): string {
  const brokers = inject('kafkaBrokers');
  if (!brokers) {
    throw new Error(
      "no Kafka broker: inject('kafkaBrokers') is empty. Run this test in the `integration` vitest project " +
        '(its globalSetup test/kafka/global-setup.ts starts the broker).',
    );
  }
  return brokers;
}

/** kafkaBrokers() as the array kafkajs' `brokers` option wants. */
export function kafkaBrokerList(): string[] {
  return kafkaBrokers()
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/** A name that no other test (or earlier run against the same broker) uses: topics, groups, client ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export { waitFor, type WaitForOptions } from '../helpers/wait-for.js';
