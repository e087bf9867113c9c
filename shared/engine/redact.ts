// Redaction (SPEC §8): credential material in an audit event is replaced by a marker carrying a keyed
// hash before anything derived from the event is stored or published (records, raw events in DuckDB, the
// records topic, findings' evidence). The same value gives the same marker under one key, so analysts can
// still tell two values apart; the key (HMAC-SHA256) keeps short hashes of weak passwords from being
// reversed by guessing. What is redacted:
// - Secret `data` and `stringData` values (Secrets and SecretLists, request and response objects, every
//   Secret type: bootstrap tokens and service-account tokens included), also inside the
//   `kubectl.kubernetes.io/last-applied-configuration` annotation;
// - TokenRequest `status.token`, TokenReview `spec.token`;
// - `access_token` / `token` query parameters of the request URI;
// - bearer tokens (`Bearer <token>`) in any string of the request or response object (headers captured in
//   objects, e.g. a webhook's or a Pod's environment).
import { createHmac, randomBytes } from 'node:crypto';
import type { AuditEvent } from '#shared/contracts';
import { isObj, type Obj } from './rules/objects.js';

export type Redactor = (event: AuditEvent) => AuditEvent;

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
const bearer = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi;
const tokenParam = /([?&](?:access_token|token)=)[^&#]*/gi;


/** A redactor keyed with `key` (random when absent: markers then compare within this process only). */
export function createRedactor(key: Buffer = randomBytes(32)): Redactor {
  const marker = (value: unknown): string => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `[redacted hmac:${createHmac('sha256', key).update(text).digest('hex').slice(0, 12)}]`;
  };

  const redactValues = (map: unknown): unknown => (isObj(map) ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, marker(v)])) : map === undefined ? undefined : marker(map));

  function redactSecret(o: Obj): Obj {
    const out: Obj = { ...o };
    if ('data' in o) out.data = redactValues(o.data);
    if ('stringData' in o) out.stringData = redactValues(o.stringData);
    const metadata = o.metadata;
    if (isObj(metadata) && isObj(metadata.annotations) && typeof metadata.annotations[lastApplied] === 'string') {
      const text = metadata.annotations[lastApplied];
      let applied: string;
      try {
        const parsed = JSON.parse(text) as unknown;
        applied = isObj(parsed) ? JSON.stringify(redactSecret(parsed)) : marker(text);
      } catch {
        applied = marker(text);
      }
      out.metadata = { ...metadata, annotations: { ...metadata.annotations, [lastApplied]: applied } };
    }
    return out;
  }

  const bearerFree = (s: string): string => (s.length >= 15 && /bearer/i.test(s) ? s.replace(bearer, (m, word: string) => `${word} ${marker(m.slice(word.length).trim())}`) : s);

  /**
   * Secrets (and lists of them) redacted; bearer tokens in strings replaced; everything else as is. Copy on
   * write: an object with nothing to redact is returned as it is (most events), so the walk allocates nothing.
   */
  function redactObject(value: unknown, isSecret: boolean): unknown {
    if (typeof value === 'string') return bearerFree(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        const r = redactObject(v, isSecret);
        if (r !== v) (copy ??= value.slice())[i] = r;
      }
      return copy ?? value;
    }
    if (!isObj(value)) return value;
    // A JSON Patch operation on a Secret: its value may be anything under data or stringData.
    if (isSecret && typeof value.op === 'string' && 'value' in value) return { ...value, value: marker(value.value) };
    const secret = isSecret || value.kind === 'Secret';
    if (value.kind === 'SecretList' || (isSecret && Array.isArray(value.items))) {
      return { ...value, items: Array.isArray(value.items) ? value.items.map((i) => redactObject(i, true)) : value.items };
    }
    const base = secret ? redactSecret(value) : value;
    let copy: Obj | undefined = base === value ? undefined : base;
    for (const k in base) {
      if (secret && (k === 'data' || k === 'stringData')) continue;
      const v = base[k];
      const r = redactObject(v, false);
      if (r !== v) (copy ??= { ...base })[k] = r;
    }
    return copy ?? value;
  }

  return (event) => {
    const ref = event.objectRef;
    const resource = ref?.resource;
    const secret = resource === 'secrets';
    let out: AuditEvent | undefined;
    const set = <K extends keyof AuditEvent>(key: K, value: AuditEvent[K]) => {
      if (value !== event[key]) (out ??= { ...event })[key] = value;
    };
    if (typeof event.requestURI === 'string' && /token=/i.test(event.requestURI)) set('requestURI', event.requestURI.replace(tokenParam, (_m, p: string) => `${p}${marker(_m.slice(p.length))}`));
    if (event.requestObject !== undefined) set('requestObject', redactObject(event.requestObject, secret));
    if (event.responseObject !== undefined) set('responseObject', redactObject(event.responseObject, secret));
    // TokenRequest: the minted token is in the response; TokenReview: the token under review in the request.
    if (resource === 'serviceaccounts' && ref?.subresource === 'token') set('responseObject', withPath((out ?? event).responseObject, ['status', 'token'], marker));
    if (resource === 'tokenreviews') {
      set('requestObject', withPath((out ?? event).requestObject, ['spec', 'token'], marker));
      set('responseObject', withPath((out ?? event).responseObject, ['spec', 'token'], marker));
    }
    return out ?? event;
  };
}

/** A copy of `value` with the string at `path` replaced by `fn(it)`; unchanged when the path is absent. */
function withPath<T>(value: T, path: readonly string[], fn: (v: unknown) => string): T {
  if (!isObj(value)) return value;
  const [head, ...rest] = path;
  if (head === undefined || !(head in value)) return value;
  const inner = value[head];
  if (rest.length === 0) return (typeof inner === 'string' ? { ...value, [head]: fn(inner) } : value);
  return { ...value, [head]: withPath(inner, rest, fn) };
}
