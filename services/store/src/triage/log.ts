import { decodeJson, triageActionSchema, type TriageAction } from '#shared/contracts';
import { fastParser } from '#shared/contracts';
import type { Bus } from '#shared/bus';
import type { Logger } from '#shared/logging';
import type { Database } from '#shared/storage';
import { applyTriage } from './actions.js';

// Triage actions are written to the triage topic (never deleted) before the API answers, then to DuckDB:
// the DuckDB file can be rebuilt from the topics, triage included (restoreTriage, at the store's start).

export interface TriageLog {
  /** resolves once the action is durably on the bus */
  append(action: TriageAction): Promise<void>;
}

const parser = fastParser(triageActionSchema);

export function busTriageLog(bus: Bus, topic: string): TriageLog {
  return {
    append: (action) => bus.produce(topic, [{ key: action.id, value: Buffer.from(JSON.stringify(action)) }]),
  };
}

/** Applies every action of the triage topic to the file (what it already has changes nothing). */
export async function restoreTriage({ bus, topic, db, logger }: { bus: Bus; topic: string; db: Database; logger: Logger }): Promise<number> {
  const messages = await bus.readAll(topic);
  const actions: TriageAction[] = [];
  for (const m of messages) {
    const parsed = decodeJson(parser, m.value, 'a triage action');
    if (parsed.ok) actions.push(parsed.value);
    else logger.warn({ topic, partition: m.partition, offset: m.offset, reason: parsed.reason }, 'triage message skipped');
  }
  await applyTriage(db, actions);
  return actions.length;
}
