// The limits one audit event must keep, the same for the webhook and for replay (KAUDIT_MAX_EVENT_BYTES,
// KAUDIT_MAX_JSON_DEPTH): an event the webhook dead-letters is a malformed line in replay, never stored.
export interface EventLimits {
  /** size of the event's JSON (compact, UTF-8 bytes) */
  maxEventBytes: number;
  /** nesting depth of objects and arrays in one event */
  maxDepth: number;
}
export const defaultEventLimits: EventLimits = { maxEventBytes: 512 * 1024, maxDepth: 64 };

/** How deeply objects and arrays nest in a JSON value, stopping once past `limit` (iterative: no stack overflow). */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

export const tooDeep = (limits: EventLimits): string => `event nests deeper than ${String(limits.maxDepth)} levels`;

/** Why an event of this many bytes (its compact JSON) is refused, or undefined when it is within the limit. */
export function sizeViolation(bytes: number, limits: EventLimits): string | undefined {
  return bytes > limits.maxEventBytes ? `event of ${String(bytes)} bytes exceeds the limit of ${String(limits.maxEventBytes)} bytes` : undefined;
}

/**
 * Why an event breaks the limits, or undefined. `text`: JSON text the event was read from, when the caller
 * has it (a JSON line): compact JSON is never longer, so only a longer text costs a serialisation.
 */
export function eventLimitViolation(event: unknown, limits: EventLimits, text?: string): string | undefined {
  if (jsonDepthExceeds(event, limits.maxDepth)) return tooDeep(limits);
  if (text !== undefined && text.length <= limits.maxEventBytes / 3 && Buffer.byteLength(text) <= limits.maxEventBytes) return undefined;
  return sizeViolation(Buffer.byteLength(JSON.stringify(event)), limits);
}
