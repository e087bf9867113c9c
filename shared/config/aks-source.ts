import type { KafkaConnection } from './kafka-connection.js';
import { brokerList, configError as invalid, readConfigFile, readPemFile, setting as text, switchedOn } from './values.js';

// The AKS source of ingest: an Azure Event Hub that an AKS cluster's diagnostic setting streams its
// kube-audit (or kube-audit-admin) category to, read through Event Hubs' Kafka endpoint (SASL_SSL, PLAIN,
// user `$ConnectionString`, the connection string as the password).

export interface AksSourceConfig {
  brokers: string[];
  /** the event hub (its Kafka topic) */
  topic: string;
  /** the Kafka consumer group whose committed offsets are the source's checkpoint */
  groupId: string;
  connection: KafkaConnection;
  /** every record's cluster; undefined: the managed cluster's name in the record's resourceId */
  cluster: string | undefined;
}

type RawEnv = Record<string, string | undefined>;

/** The AKS source's settings (KAUDIT_AKS_*), or undefined when KAUDIT_AKS_BROKERS is not set. */
export function readAksSource(raw: RawEnv): AksSourceConfig | undefined {
  const brokersText = switchedOn(raw, 'KAUDIT_AKS_BROKERS', ['KAUDIT_AKS_TOPIC', 'KAUDIT_AKS_CONNECTION_STRING', 'KAUDIT_AKS_CONNECTION_STRING_FILE', 'KAUDIT_AKS_TLS_CA_FILE', 'KAUDIT_AKS_GROUP', 'KAUDIT_AKS_CLUSTER'], 'the Event Hubs namespace’s Kafka endpoint, <namespace>.servicebus.windows.net:9093');
  if (brokersText === undefined) return undefined;
  const parsed = brokerList.safeParse(brokersText);
  if (!parsed.success || parsed.data === undefined) throw invalid('KAUDIT_AKS_BROKERS', parsed.error?.issues[0]?.message ?? 'expected host:port,host:port');
  const brokers = parsed.data;
  const topic = text(raw, 'KAUDIT_AKS_TOPIC');
  if (topic === undefined) throw invalid('KAUDIT_AKS_TOPIC', 'the event hub the diagnostic setting streams to is needed');
  const direct = text(raw, 'KAUDIT_AKS_CONNECTION_STRING');
  const file = text(raw, 'KAUDIT_AKS_CONNECTION_STRING_FILE');
  if (direct !== undefined && file !== undefined) throw invalid('KAUDIT_AKS_CONNECTION_STRING', 'set it or KAUDIT_AKS_CONNECTION_STRING_FILE, not both');
  const connectionString = direct ?? (file === undefined ? undefined : readConfigFile('KAUDIT_AKS_CONNECTION_STRING_FILE', file).trim());
  if (connectionString === undefined || connectionString === '') throw invalid('KAUDIT_AKS_CONNECTION_STRING', 'a connection string of the event hub (or its namespace) with Listen rights is needed (or KAUDIT_AKS_CONNECTION_STRING_FILE)');
  const caFile = text(raw, 'KAUDIT_AKS_TLS_CA_FILE');
  const ca = caFile === undefined ? undefined : readPemFile('KAUDIT_AKS_TLS_CA_FILE', caFile, 'certificate');
  return {
    brokers,
    topic,
    groupId: text(raw, 'KAUDIT_AKS_GROUP') ?? 'kaudit-aks',
    connection: { tls: ca === undefined ? {} : { ca }, sasl: { mechanism: 'plain', username: '$ConnectionString', password: connectionString } },
    cluster: text(raw, 'KAUDIT_AKS_CLUSTER'),
  };
}

/** The managed cluster's name in a diagnostic record's resourceId (`…/MANAGEDCLUSTERS/<name>`), lower case. */
export function aksClusterOf(resourceId: unknown): string | undefined {
  if (typeof resourceId !== 'string') return undefined;
  const m = /\/managedclusters\/([^/]+)\/?$/i.exec(resourceId);
  return m?.[1]?.toLowerCase();
}
