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

/** Annotations ingest sets on an event it trimmed to analyse it (the same keys arriving from elsewhere are dropped). */
export const trimAnnotations = {
  /** the fields left out, comma-separated */
  trimmed: 'kaudit.io/trimmed',
  /** the size of the event as received */
  eventBytes: 'kaudit.io/event-bytes',
  /** the length of an audit ID too long to keep */
  auditIdBytes: 'kaudit.io/audit-id-bytes',
} as const;
const ownAnnotation = 'kaudit.io/';
/** Strings of the event's metadata longer than this are cut when it is trimmed. */
const maxTrimmedString = 8 * 1024;
const maxTrimmedAuditId = 128;

/** The event without annotations under kaudit's own prefix (only ingest may set them). */
export function withoutOwnAnnotations<E extends { annotations?: Record<string, string> | null | undefined }>(event: E): E {
  const a = event.annotations;
  if (a === undefined || a === null || !Object.keys(a).some((k) => k.startsWith(ownAnnotation))) return event;
  return { ...event, annotations: Object.fromEntries(Object.entries(a).filter(([k]) => !k.startsWith(ownAnnotation))) };
}

/**
 * An event too large to keep whole, cut to what it says about the request so it can still be analysed: the
 * request and response objects left out, an audit ID longer than 128 characters replaced by `hashed` (its
 * digest, stable across retries), metadata strings cut to 8 KiB; annotated with what was left out. Undefined
 * when even that is over the limit.
 */
export function trimmedForAnalysis<E extends Record<string, unknown> & { annotations?: Record<string, string> | null | undefined }>(
  event: E,
  bytes: number,
  limits: EventLimits,
  hashed: (auditId: string) => string,
): E | undefined {
  const { requestObject, responseObject, ...metadata } = event;
  const left = [...(requestObject === undefined ? [] : ['requestObject']), ...(responseObject === undefined ? [] : ['responseObject'])];
  const out: Record<string, unknown> = metadata;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.annotations ?? {})) annotations[k] = v.length > maxTrimmedString ? `${v.slice(0, maxTrimmedString)}…` : v;
  if (typeof event.auditID === 'string' && event.auditID.length > maxTrimmedAuditId) {
    annotations[trimAnnotations.auditIdBytes] = String(event.auditID.length);
    out.auditID = hashed(event.auditID);
    left.push('auditID');
  }
  for (const k of ['requestURI', 'userAgent'] as const) {
    const v = out[k];
    if (typeof v === 'string' && v.length > maxTrimmedString) {
      out[k] = `${v.slice(0, maxTrimmedString)}…`;
      left.push(k);
    }
  }
  annotations[trimAnnotations.trimmed] = left.join(',');
  annotations[trimAnnotations.eventBytes] = String(bytes);
  out.annotations = annotations;
  const result = out as E;
  return Buffer.byteLength(JSON.stringify(result)) <= limits.maxEventBytes ? result : undefined;
}
