import { Ajv, type SchemaObject, type ValidateFunction } from 'ajv';
import { z } from 'zod';

/**
 * A zod schema's `safeParse` with a fast path for valid values: a JSON-schema validator compiled from the
 * same zod schema (ajv) answers first and, when it accepts, the value is returned as it is, with no copy.
 * Anything it rejects goes to zod, which decides and writes the error. So zod stays the one definition and
 * the one judge of what is invalid; the fast path only saves the copy zod makes of every valid value (it
 * was the largest cost of validating an audit event).
 *
 * Only for schemas without transforms or defaults (output equal to input). Refinements do not survive the
 * conversion to JSON Schema: `refined` repeats them for the fast path.
 */
export function fastParser<S extends z.ZodType>(schema: S, refined: (value: z.output<S>) => boolean = () => true) {
  // Compiled on first use, not when the contracts are imported: the four schemas take about 100 ms to
  // compile, and a process uses one or two of them.
  let validate: ValidateFunction | undefined;
  const compiled = (): ValidateFunction =>
    // Formats are left to their `pattern`s (zod writes both); strict mode would refuse zod's keywords.
    (validate ??= new Ajv({ strict: false, validateFormats: false }).compile(
      withoutProtoKeys(z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any' })) as SchemaObject,
    ));
  return {
    safeParse(value: unknown): z.ZodSafeParseResult<z.output<S>> {
      if (compiled()(value) && refined(value as z.output<S>)) return { success: true, data: value as z.output<S> };
      return schema.safeParse(value);
    },
  };
}

/**
 * zod leaves out an own `__proto__` key (JSON.parse makes one from `"__proto__": …`) of the objects and
 * records it checks, where a JSON schema accepts it. Every object schema here refuses that key instead, so
 * such a value goes to zod and comes out as zod makes it. (Values zod does not check, `z.unknown()`, keep it
 * in both.)
 */
function withoutProtoKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutProtoKeys);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withoutProtoKeys(v)]));
  if (out.type !== 'object') return out;
  const allOf: unknown[] = Array.isArray(out.allOf) ? out.allOf : [];
  return { ...out, allOf: [...allOf, { propertyNames: { not: { const: '__proto__' } } }] };
}
