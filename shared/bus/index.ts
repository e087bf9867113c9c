import type { BusConfig } from '#shared/config';
import type { Logger } from '#shared/logging';
import { createEmbeddedBus } from './embedded.js';
import { createKafkaBus } from './kafka.js';
import { allTopics, topicNames } from './topics.js';
import type { Bus } from './types.js';

export * from './types.js';
export * from './topics.js';
export { createEmbeddedBus } from './embedded.js';
export { createKafkaBus } from './kafka.js';

export function createBus({ config, clientId, logger }: { config: BusConfig; clientId: string; logger: Logger }): Bus {
  const topics = topicNames(config.topicPrefix);
  const all = allTopics(topics);
  return config.kind === 'kafka'
    ? createKafkaBus({
        brokers: config.brokers,
        clientId,
        topics: all,
        partitions: config.partitions,
        logger,
        compactedTopics: [topics.state],
        // the events (every request's objects) are kept only this long
        retentionMs: { [topics.events]: config.eventsRetentionHours * 3_600_000 },
      })
    : createEmbeddedBus({ dir: config.dir, topics: all, logger });
}
