// A service's built entry point run as its own process (for kill -9 tests), ready once /readyz answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { kafkaBrokers } from '../kafka/index.js';
import { waitFor } from './wait-for.js';

/**
 * The environment of a service process on this run's Kafka broker: PATH, the brokers, the topics under
 * `topicPrefix` (3 partitions each), warn-level logs, and `own` (its port, tokens, directories, keys).
 */
export function kafkaServiceEnv(topicPrefix: string, own: Record<string, string>): Record<string, string | undefined> {
  return { PATH: process.env.PATH, KAFKA_BROKERS: kafkaBrokers(), KAUDIT_TOPIC_PREFIX: topicPrefix, KAUDIT_TOPIC_PARTITIONS: '3', KAUDIT_LOG_LEVEL: 'warn', ...own };
}

export async function startServiceProcess(main: string, env: Record<string, string | undefined>, port: number, children: ChildProcess[]): Promise<ChildProcess> {
  // stderr is not kept: a pipe nobody reads would block the child once its buffer is full
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(child);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${main} exited with ${String(child.exitCode)}`);
      return (await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status === 200;
    },
    { what: `${main} ready`, timeoutMs: 60_000 },
  );
  return child;
}
