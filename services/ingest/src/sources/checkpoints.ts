import type { Bus, OutMessage } from '#shared/bus';

// Pull sources' checkpoints on kaudit's own bus: the compacted `sources` topic holds, per source key, the
// JSON of where the source has read its cloud log to. A checkpoint is produced only once the events read up
// to it are durably on the bus, so a restart resumes there: nothing is skipped, and what is read again is
// stored once (an event's identity includes its digest).

/** The last checkpoint of each source key (a key whose last value is JSON null is gone). */
export async function readCheckpoints(bus: Bus, topic: string): Promise<Map<string, unknown>> {
  const last = new Map<string, unknown>();
  for (const m of await bus.readAll(topic)) {
    let value: unknown;
    try {
      value = JSON.parse(m.value.toString('utf8'));
    } catch {
      // not ours (written by hand?): the source starts as if it had none, and says so
      value = { unreadable: m.value.toString('utf8').slice(0, 200) };
    }
    if (value === null) last.delete(m.key);
    else last.set(m.key, value);
  }
  return last;
}

export function checkpointMessage(key: string, value: unknown): OutMessage {
  return { key, value: Buffer.from(JSON.stringify(value)) };
}
