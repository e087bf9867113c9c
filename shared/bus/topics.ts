// Every topic name lives here. The prefix comes from KAUDIT_TOPIC_PREFIX (default `kaudit.`).
export interface Topics {
  events: string;
  records: string;
  findings: string;
  dlq: string;
  state: string;
  /** compacted: each pull source's checkpoint (where it has read its cloud log to), by source */
  sources: string;
  /** compacted: the notify service's grouping windows, by output, route, rule and identity */
  notify: string;
  /** never deleted: the console's triage actions (the action log), from which the store restores triage state */
  triage: string;
}

export function topicNames(prefix: string): Topics {
  return {
    events: `${prefix}events`,
    records: `${prefix}records`,
    findings: `${prefix}findings`,
    dlq: `${prefix}dlq`,
    state: `${prefix}state`,
    sources: `${prefix}sources`,
    notify: `${prefix}notify`,
    triage: `${prefix}triage`,
  };
}

/** Every topic, as a bus is created with them. */
export function allTopics(t: Topics): string[] {
  return [t.events, t.records, t.findings, t.dlq, t.state, t.sources, t.notify, t.triage];
}

export function groupIds(prefix: string): { analyzer: string; store: string } {
  return { analyzer: `${prefix}analyzer`, store: `${prefix}store` };
}

/** `<cluster>/<user.username>`: one identity's events stay ordered on one partition. */
export function messageKey(cluster: string, username: string | undefined): string {
  return `${cluster}/${username ?? ''}`;
}

// DLQ headers: why a message could not be processed and where.
export const dlqHeaders = {
  reason: 'kaudit-dlq-reason',
  step: 'kaudit-dlq-step',
  time: 'kaudit-dlq-time',
  sourceTopic: 'kaudit-dlq-source-topic',
  cluster: 'kaudit-cluster',
  /** set (to the original size in bytes) when the value was cut to dlqMaxValueBytes */
  truncated: 'kaudit-dlq-truncated',
} as const;

/** DLQ values are cut to this size: a message must stay under the broker's limit (Kafka: 1 MiB by default). */
export const dlqMaxValueBytes = 256 * 1024;

/** A DLQ message: the original key and bytes (and headers, when given), plus why, where and when. */
export function dlqMessage(m: {
  key: string;
  value: Buffer;
  reason: string;
  step: string;
  time: string;
  headers?: Record<string, string>;
  sourceTopic?: string;
  cluster?: string;
}): { key: string; value: Buffer; headers: Record<string, string> } {
  const cut = m.value.length > dlqMaxValueBytes;
  return {
    key: m.key,
    value: cut ? m.value.subarray(0, dlqMaxValueBytes) : m.value,
    headers: {
      ...m.headers,
      ...(cut ? { [dlqHeaders.truncated]: String(m.value.length) } : {}),
      [dlqHeaders.reason]: m.reason,
      [dlqHeaders.step]: m.step,
      [dlqHeaders.time]: m.time,
      ...(m.sourceTopic === undefined ? {} : { [dlqHeaders.sourceTopic]: m.sourceTopic }),
      ...(m.cluster === undefined ? {} : { [dlqHeaders.cluster]: m.cluster }),
    },
  };
}

/**
 * What one pipeline step made of one message: a value (`ok`, with the step's outputs), or the reason it goes
 * to the DLQ at `step` — never an exception, for anything wrong with the message itself.
 */
export type StepResult<T extends object> = ({ kind: 'ok' } & T) | { kind: 'dlq'; step: string; reason: string };
