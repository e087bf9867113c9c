import type { Bus, Topics } from '#shared/bus';
import type { EventLimits } from '#shared/contracts';
import type { Redaction } from '#shared/engine';
import type { Logger } from '#shared/logging';
import type { Registry } from 'prom-client';

// What every pull source of ingest (AKS, EKS) is given and gives back.

export interface SourceDeps<C> {
  config: C;
  /** kaudit's own bus: the events, the DLQ (and a source's checkpoint, when it keeps one there) */
  bus: Bus;
  topics: Topics;
  logger: Logger;
  /** credentials replaced before anything reaches the bus */
  redaction: Redaction;
  limits?: EventLimits;
  now?: () => Date;
  /** where the source counts what it read (ingest's /metrics) */
  registry?: Registry;
}

export interface PullSource {
  /** stops reading; what was read and is on the bus stays checkpointed */
  stop(): Promise<void>;
}
