/** A JSON object (what `JSON.parse` gives for `{…}`). */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The value a text holding JSON stands for, or the text itself when it holds none: an audit event carried as
 * a string (an AKS record's `properties.log`, an OTLP body, a CloudWatch message) then stays a string, and
 * is rejected as "not an audit event".
 */
export function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
