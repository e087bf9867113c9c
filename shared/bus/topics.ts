// Every topic name lives here. The prefix comes from KAUDIT_TOPIC_PREFIX (default `kaudit.`).
export interface Topics {
  events: string;
  records: string;
  findings: string;
  dlq: string;
  state: string;
}

export function topicNames(prefix: string): Topics {
  return {
    events: `${prefix}events`,
    records: `${prefix}records`,
    findings: `${prefix}findings`,
    dlq: `${prefix}dlq`,
    state: `${prefix}state`,
  };
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
} as const;
