// The message bus: one interface, two adapters (Kafka, embedded durable log). Services only see this.
export interface OutMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
  /** the partition to write to, instead of the key's (a copy sent to every partition of a topic) */
  partition?: number;
}

export interface InMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface Batch {
  topic: string;
  partition: number;
  messages: InMessage[];
  /** The position after this batch (the next offset to read), as the adapter commits it. */
  next: string;
  /** The partition's end when the batch was fetched: `highWatermark - next` is the consumer's lag. */
  highWatermark: string;
  /**
   * Kafka: tells the group coordinator that this consumer is alive while its handler waits on purpose (an
   * output's retries), which it must do within the session timeout or lose its partitions. Rejects when a
   * rebalance has taken them: the handler should then reject, leaving the batch to their new owner.
   * Absent on the embedded bus (no group to stay in).
   */
  heartbeat?: () => Promise<void>;
}

/**
 * Handles one batch. When it resolves, every output of the batch must be durably produced: the adapter
 * then commits the batch's offsets. A rejection means an infrastructure failure: the batch is redelivered.
 */
export type BatchHandler = (batch: Batch) => Promise<void>;

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  /**
   * Where the consumer's own storage says it stopped (written with its outputs, in one transaction):
   * when given, the adapter starts each assigned partition there instead of at the bus's committed offset.
   */
  positionOf?: (topic: string, partition: number) => Promise<string | undefined>;
  /**
   * Called whenever partitions are assigned to this consumer (at start, and after every rebalance), before
   * any batch of the new assignment reaches the handler; the handler waits for it. A rejection is logged and
   * the assignment proceeds.
   */
  onAssign?: (assignment: readonly { topic: string; partition: number }[]) => Promise<void>;
}

export interface Subscription {
  stop(): Promise<void>;
}

/** A topic read outside any live consumer group (replay --from-kafka), one stream per partition. */
export interface TopicRange {
  partitions: { partition: number; messages: AsyncIterable<InMessage> }[];
  /** Stops reading and releases the reader (safe to call twice). */
  close(): Promise<void>;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** Connects and makes sure every topic exists. */
  start(): Promise<void>;
  /** Resolves only once every message is durably accepted (Kafka acks=all, or fsync for embedded). */
  produce(topic: string, messages: OutMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Subscription>;
  /** How many partitions the topic has (the embedded log: 1), as learnt when first asked. */
  partitions(topic: string): Promise<number>;
  /** Every message of a topic from the beginning to its current end (state restore; no consumer group). */
  readAll(topic: string): Promise<InMessage[]>;
  /**
   * The messages of a topic appended from `since` (inclusive) to `until` (exclusive; absent: the topic's
   * current end), by the bus's message time, through a reader of its own that never joins or moves a live
   * consumer group. Kafka looks the times up in its time index; the embedded log has none and reads from
   * its beginning to its end (callers filter by event time anyway).
   */
  readRange(topic: string, range: { since?: Date | undefined; until?: Date | undefined }): Promise<TopicRange>;
  isReady(): boolean;
  close(): Promise<void>;
}
