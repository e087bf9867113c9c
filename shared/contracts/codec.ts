// One codec for every message kaudit reads (webhook items, envelopes on the events topic, records and
// findings on theirs, replayed lines): bytes → JSON → a validated value, or the reason it is not one, in one
// wording everywhere: `not <what>: <path>: <message>; …` (at most three issues; no path for the whole value).

export interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

interface Parser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}

/** The first `max` issues of a validation, `path: message` each. */
export function describeIssues(issues: readonly Issue[], max = 3): string {
  if (issues.length === 0) return 'invalid';
  return issues
    .slice(0, max)
    .map((i) => {
      const where = i.path.map(String).join('.');
      return where === '' ? i.message : `${where}: ${i.message}`;
    })
    .join('; ');
}

/** A value checked by `parser`; `what` names it in the reason (`an audit event`, `an event envelope`). */
export function decode<T>(parser: Parser<T>, value: unknown, what: string): Decoded<T> {
  let parsed: ReturnType<Parser<T>['safeParse']>;
  try {
    parsed = parser.safeParse(value);
  } catch (err) {
    // e.g. nesting deep enough to exhaust the stack
    return { ok: false, reason: `not ${what}: ${err instanceof Error ? err.message : String(err)}` };
  }
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `not ${what}: ${describeIssues(parsed.error.issues)}` };
}

/** JSON bytes checked by `parser`. */
export function decodeJson<T>(parser: Parser<T>, bytes: Buffer, what: string): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  return decode(parser, json, what);
}
