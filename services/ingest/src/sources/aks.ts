import { createKafkaBus, dlqMessage, messageKey, type Batch, type OutMessage, type Subscription } from '#shared/bus';
import { aksClusterOf, type AksSourceConfig } from '#shared/config';
import { defaultEventLimits, isObj, unwrapDocument } from '#shared/contracts';
import { errorMessage } from '#shared/errors';
import { Counter } from 'prom-client';
import { acceptBatch } from '../accept-batch.js';
import type { PullSource, SourceDeps } from './source.js';

// The AKS source: an Event Hub that an AKS cluster's diagnostic setting streams kube-audit (or
// kube-audit-admin) to, read through Event Hubs' Kafka endpoint. A message is an Event Hubs batch of
// diagnostic records, `{"records":[…]}`, each with the Event in `properties.log` (a JSON string). Each
// record's event goes the webhook's way (acceptBatch: validated, redacted, enveloped, to `events`; what is
// not an event to the DLQ with the reason), attributed to the managed cluster its resourceId names (or
// KAUDIT_AKS_CLUSTER). The source's checkpoint is its consumer group's committed offset, committed only after
// the batch's events and dead letters are durably on kaudit's bus: a crash repeats a batch, never skips
// one, and a repeated event is stored once (its identity includes the event's digest).

const auditCategories = new Set(['kube-audit', 'kube-audit-admin']);

export async function startAksSource({ config, bus, topics, logger, redaction, limits = defaultEventLimits, now = () => new Date(), registry }: SourceDeps<AksSourceConfig>): Promise<PullSource> {
  const records = new Counter({
    name: 'kaudit_ingest_aks_records_total',
    help: 'Diagnostic records read from the AKS event hub, by cluster and outcome (accepted, rejected: to the DLQ, skipped: not an audit category)',
    labelNames: ['cluster', 'outcome'] as const,
    registers: registry === undefined ? [] : [registry],
  });
  const hub = createKafkaBus({ brokers: config.brokers, clientId: 'kaudit-aks-source', topics: [config.topic], partitions: 1, logger, connection: config.connection, consumeOnly: true });
  await hub.start();

  async function handle(batch: Batch): Promise<void> {
    const time = now();
    const byCluster = new Map<string, unknown[]>();
    const dlq: OutMessage[] = [];
    let skipped = 0;
    const deadLetter = (value: Buffer, reason: string, cluster?: string) => {
      dlq.push(dlqMessage({ key: messageKey(cluster ?? 'aks', undefined), value: Buffer.from(redaction.text(value.toString('utf8'))), reason: redaction.text(reason), step: 'ingest-aks', time: time.toISOString(), sourceTopic: batch.topic, ...(cluster === undefined ? {} : { cluster }) }));
    };
    for (const message of batch.messages) {
      let doc: unknown;
      try {
        doc = JSON.parse(message.value.toString('utf8'));
      } catch (err) {
        deadLetter(message.value, `not JSON: ${errorMessage(err)}`);
        continue;
      }
      const records = isObj(doc) && Array.isArray(doc.records) ? (doc.records as unknown[]) : [doc];
      for (const record of records) {
        // the same diagnostic setting may stream other categories (kube-apiserver, guard…) to the hub
        if (isObj(record) && typeof record.category === 'string' && !auditCategories.has(record.category)) {
          skipped++;
          continue;
        }
        const cluster = config.cluster ?? aksClusterOf(isObj(record) ? record.resourceId : undefined);
        if (cluster === undefined) {
          deadLetter(Buffer.from(JSON.stringify(record)), 'no cluster: the record names no managed cluster in its resourceId (set KAUDIT_AKS_CLUSTER)');
          continue;
        }
        const items = byCluster.get(cluster) ?? [];
        items.push(...unwrapDocument(record));
        byCluster.set(cluster, items);
      }
    }
    const counts: { cluster: string; accepted: number; rejected: number }[] = [];
    for (const [cluster, items] of byCluster) {
      const { accepted, rejected } = await acceptBatch({ items, cluster, tls: true, bus, topics, now: time, limits, redaction });
      counts.push({ cluster, accepted, rejected });
    }
    await bus.produce(topics.dlq, dlq);
    // counted once all of it is on the bus (a failed batch is delivered again)
    for (const c of counts) {
      records.inc({ cluster: c.cluster, outcome: 'accepted' }, c.accepted);
      records.inc({ cluster: c.cluster, outcome: 'rejected' }, c.rejected);
    }
    if (dlq.length > 0) records.inc({ cluster: 'unknown', outcome: 'rejected' }, dlq.length);
    if (skipped > 0) records.inc({ cluster: 'unknown', outcome: 'skipped' }, skipped);
    const sum = (k: 'accepted' | 'rejected') => counts.reduce((n, c) => n + c[k], 0);
    logger.debug({ topic: batch.topic, partition: batch.partition, messages: batch.messages.length, accepted: sum('accepted'), rejected: sum('rejected') + dlq.length, skipped }, 'AKS batch');
  }

  let subscription: Subscription;
  try {
    subscription = await hub.consume({ groupId: config.groupId, topics: [config.topic], handler: handle });
  } catch (err) {
    await hub.close().catch(() => undefined);
    throw err;
  }
  logger.info({ brokers: config.brokers, topic: config.topic, groupId: config.groupId }, 'AKS source reading its event hub');
  return {
    async stop() {
      await subscription.stop();
      await hub.close();
    },
  };
}
