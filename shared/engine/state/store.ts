// State for stateful rules: a bounded key/value map (least recently written evicted first) that
// remembers which keys changed since the last drain, so the analyzer can persist them to the
// compacted `state` topic after each batch and restore them on start.
export type StateValue = unknown;

export interface StateChange {
  key: string;
  /** `null`: the key was deleted (a tombstone for the compacted topic). */
  value: StateValue;
}

export const defaultStateCapacity = 200_000;

export class RuleState {
  private readonly map = new Map<string, StateValue>();
  private readonly dirty = new Set<string>();
  readonly capacity: number;

  constructor(capacity = defaultStateCapacity) {
    this.capacity = capacity;
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- each rule reads back the shape it wrote
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }

  set(key: string, value: StateValue): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.dirty.add(key);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.dirty.add(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** The changes since the last drain (values as they are now). */
  drain(): StateChange[] {
    const out: StateChange[] = [];
    for (const key of this.dirty) out.push({ key, value: this.map.has(key) ? this.map.get(key) : null });
    this.dirty.clear();
    return out;
  }

  /** Restores one persisted entry (not marked dirty). */
  restore(key: string, value: StateValue): void {
    if (value === null) this.map.delete(key);
    else {
      this.map.delete(key);
      this.map.set(key, value);
    }
  }
}
