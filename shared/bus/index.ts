import type { BusConfig } from '#shared/config';
import type { Logger } from '#shared/logging';
import { createEmbeddedBus } from './embedded.js';
import { createKafkaBus } from './kafka/index.js';
import { allTopics, topicNames } from './topics.js';
import type { Bus } from './types.js';

export * from './types.js';
export * from './topics.js';
export { createEmbeddedBus, type EmbeddedBusOptions, type TopicPolicy } from './embedded.js';
export { createKafkaBus, connectionOptions } from './kafka/index.js';

const isTombstone = (m: { value: Buffer }) => m.value.length === 4 && m.value.toString('utf8') === 'null';

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
        compactedTopics: [topics.state, topics.sources, topics.notify],
        // the events (every request's objects) are kept only this long
        retentionMs: { [topics.events]: config.eventsRetentionHours * 3_600_000, [topics.triage]: -1 },
        connection: config.connection,
      })
    : createEmbeddedBus({
        dir: config.dir,
        topics: all,
        logger,
        ...(config.retention === undefined
          ? {}
          : {
              segmentBytes: config.retention.segmentBytes,
              policies: {
                // events: kept for replay (--from-kafka) by time and size, never before the analyzer has them
                [topics.events]: { kind: 'retained', keepMs: config.retention.keepMs, keepBytes: config.retention.keepBytes, requireConsumed: true },
                // records and findings: in DuckDB once the store has committed past them
                [topics.records]: { kind: 'consumed' },
                [topics.findings]: { kind: 'consumed' },
                // no group reads the DLQ: by time and size alone
                [topics.dlq]: { kind: 'retained', keepMs: config.retention.keepMs, keepBytes: config.retention.keepBytes, requireConsumed: false },
                // the last value of each rule-state key; a deleted key's value is JSON null
                [topics.state]: { kind: 'compacted', isTombstone },
                // the last checkpoint of each pull source
                [topics.sources]: { kind: 'compacted', isTombstone },
                // the notify service's grouping windows
                [topics.notify]: { kind: 'compacted', isTombstone },
              },
            }),
      });
}
