import kafkajs from 'kafkajs';
import type { Logger } from '#shared/logging';
import type { InMessage, OutMessage } from '../types.js';

// Messages between kaudit and kafkajs: send chunks, fetched messages, kafkajs's log lines.
// kafkajs is CommonJS: default import, then destructure.
const { logLevel } = kafkajs;
type KafkaLogEntry = kafkajs.LogEntry;

/** Bytes of messages per producer send: well under the broker's default message size limit of 1 MiB. */
export const maxSendBytes = 512 * 1024;

const sizeOf = (m: OutMessage): number =>
  m.key.length + m.value.length + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0) + 64;

/** Consecutive runs of messages of at most `limit` bytes each (a larger message alone). */
export function chunksOf(messages: readonly OutMessage[], limit: number): OutMessage[][] {
  const out: OutMessage[][] = [];
  let current: OutMessage[] = [];
  let size = 0;
  for (const m of messages) {
    const s = sizeOf(m);
    if (current.length > 0 && size + s > limit) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += s;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A fetched Kafka message as the bus hands it to its readers (headers: the first value of each). */
export function toInMessage(topic: string, partition: number, m: kafkajs.KafkaMessage): InMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? '',
    value: m.value ?? Buffer.alloc(0),
    headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')])),
  };
}

export function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: KafkaLogEntry) => {
      const { message, ...extra } = log;
      if (level <= logLevel.ERROR) logger.error(extra, `kafka: ${message}`);
      else if (level === logLevel.WARN) logger.warn(extra, `kafka: ${message}`);
      else logger.debug(extra, `kafka: ${message}`);
    };
}
