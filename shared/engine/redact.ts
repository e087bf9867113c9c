// Redaction (README "Security"): credential material in an audit event is replaced by a marker carrying a keyed hash
// before anything is written. Ingest redacts every event before the events topic, and every rejected item
// before the DLQ; the engine redacts again (a no-op on redacted events: markers are left as they are) for
// events that reach it another way (replayed files). The same value gives the same marker under one key, so
// analysts can still tell two values apart; the key (HMAC-SHA256) keeps short hashes of weak passwords from
// being reversed by guessing. What is redacted:
// - Secret `data` and `stringData` values (Secrets and SecretLists, request and response objects, JSON and
//   merge patches, every Secret type), the Secret told by its kind, its objectRef or, when the objectRef is
//   missing, the request URI;
// - string values under credential names in any object (`password`, `DB_PASSWORD`, `clientSecret`,
//   `aws_secret_access_key`, `token`: TokenRequest `status.token`, TokenReview `spec.token`, ConfigMap keys),
//   `value` of `{name, value}` pairs with a credential name (container env), JSON Patch values at such paths;
// - credentials inside text (credential-text.ts): PEM private keys, JWTs, Bearer/Basic values, URL
//   passwords, credential query parameters, credential assignments in kubeconfigs and config files held in
//   ConfigMaps — in every string of the objects, the request URI, the user agent, the response status and
//   the event's annotations;
// - the same inside `kubectl.kubernetes.io/last-applied-configuration` (parsed, redacted, kept valid JSON).
import { createHmac, randomBytes } from 'node:crypto';
import type { AuditEvent } from '#shared/contracts';
import { holdsCredential, isCredentialName, isMarker, redactText, type MarkText } from './credential-text.js';
import { httpMethodOf, resolveRequestInfo } from './request-info/index.js';
import { isObj, type Obj } from './rules/objects.js';

export type Redactor = (event: AuditEvent) => AuditEvent;

export interface Redaction {
  /** the event with its credentials replaced (the same object when it carries none) */
  event: Redactor;
  /** any JSON value (an item that is not an audit event, for the DLQ): the same treatment, by shape */
  value: (item: unknown) => unknown;
  /** text that is not JSON */
  text: (text: string) => string;
}

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
const secretsPath = /\/secrets(?:[/?]|$)/;

/** A redactor keyed with `key` (random when absent: markers then compare within this process only). */
export function createRedactor(key: Buffer = randomBytes(32)): Redactor {
  return createRedaction(key).event;
}

export function createRedaction(key: Buffer = randomBytes(32)): Redaction {
  const mark: MarkText = (text, kind) => (isMarker(text) ? text : `[redacted ${kind === undefined ? '' : `${kind} `}hmac:${createHmac('sha256', key).update(text).digest('hex').slice(0, 12)}]`);
  const marker = (value: unknown): string => mark(typeof value === 'string' ? value : JSON.stringify(value));
  const text = (s: string): string => redactText(s, mark);

  const redactValues = (map: unknown): unknown => (isObj(map) ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, marker(v)])) : map === undefined ? undefined : marker(map));

  /** The last segment of a JSON Patch path (`/data/DB_PASSWORD` → `DB_PASSWORD`). */
  const patchTarget = (path: string): string => (path.slice(path.lastIndexOf('/') + 1) || '').replace(/~1/g, '/').replace(/~0/g, '~');

  function redactString(value: string, name: string | undefined): string {
    if (name !== undefined && isCredentialName(name) && holdsCredential(value)) return marker(value);
    if (name === lastApplied) {
      try {
        const parsed = JSON.parse(value) as unknown;
        const redacted = redactObject(parsed, false, undefined);
        return redacted === parsed ? value : JSON.stringify(redacted);
      } catch {
        return text(value);
      }
    }
    return text(value);
  }

  /**
   * Secrets (and lists of them) redacted, credentials under their names and inside strings replaced,
   * everything else as is. Copy on write: an object with nothing to redact is returned as it is (most
   * events), so the walk allocates nothing.
   */
  function redactObject(value: unknown, isSecret: boolean, name: string | undefined): unknown {
    if (typeof value === 'string') return redactString(value, name);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        const r = redactObject(v, isSecret, undefined);
        if (r !== v) (copy ??= value.slice())[i] = r;
      }
      return copy ?? value;
    }
    if (!isObj(value)) return value;
    // A JSON Patch operation: on a Secret its value may be anything under data or stringData; elsewhere the
    // path names what the value is.
    if (typeof value.op === 'string' && 'value' in value) {
      if (isSecret) return { ...value, value: marker(value.value) };
      if (typeof value.path === 'string') {
        const r = redactObject(value.value, false, patchTarget(value.path));
        return r === value.value ? value : { ...value, value: r };
      }
    }
    const secret = isSecret || value.kind === 'Secret';
    if (value.kind === 'SecretList' || (isSecret && Array.isArray(value.items))) {
      return { ...value, items: Array.isArray(value.items) ? value.items.map((i) => redactObject(i, true, undefined)) : value.items };
    }
    let copy: Obj | undefined;
    if (secret) {
      if ('data' in value) (copy ??= { ...value }).data = redactValues(value.data);
      if ('stringData' in value) (copy ??= { ...value }).stringData = redactValues(value.stringData);
    }
    // `{name: DB_PASSWORD, value: …}`: container env and the many lists of the same shape
    const pairName = typeof value.name === 'string' && typeof value.value === 'string' ? value.name : undefined;
    for (const k in value) {
      if (secret && (k === 'data' || k === 'stringData')) continue;
      const v = value[k];
      const r = redactObject(v, false, k === 'value' && pairName !== undefined ? pairName : k);
      if (r !== v) (copy ??= { ...value })[k] = r;
    }
    return copy ?? value;
  }

  /** Strings of a map redacted as text only (the event's annotations: their keys name credentials' owners). */
  function redactTextValues(map: unknown): unknown {
    if (!isObj(map)) return map;
    let copy: Obj | undefined;
    for (const k in map) {
      const v = map[k];
      if (typeof v !== 'string') continue;
      const r = text(v);
      if (r !== v) (copy ??= { ...map })[k] = r;
    }
    return copy ?? map;
  }

  /** Is the request about Secrets? The objectRef says so, else the request URI (a patch logged without one). */
  function aboutSecrets(event: Obj): boolean {
    const ref = event.objectRef;
    const resource = isObj(ref) ? ref.resource : undefined;
    if (typeof resource === 'string') return resource === 'secrets';
    const uri = event.requestURI;
    if (typeof uri !== 'string' || !secretsPath.test(uri)) return false;
    try {
      return resolveRequestInfo(uri, httpMethodOf(typeof event.verb === 'string' ? event.verb : undefined)).resource === 'secrets';
    } catch {
      return true;
    }
  }

  /** Any event-shaped object (a valid audit event or an item refused as one). */
  function redactEventLike(event: Obj): Obj {
    const secret = aboutSecrets(event);
    let out: Obj | undefined;
    const set = (k: string, v: unknown) => {
      if (v !== event[k]) (out ??= { ...event })[k] = v;
    };
    if (typeof event.requestURI === 'string') set('requestURI', text(event.requestURI));
    if (typeof event.userAgent === 'string') set('userAgent', text(event.userAgent));
    if (event.responseStatus !== undefined) set('responseStatus', redactObject(event.responseStatus, false, undefined));
    if (event.annotations !== undefined) set('annotations', redactTextValues(event.annotations));
    if (event.requestObject !== undefined) set('requestObject', redactObject(event.requestObject, secret, undefined));
    if (event.responseObject !== undefined) set('responseObject', redactObject(event.responseObject, secret, undefined));
    return out ?? event;
  }

  function value(item: unknown): unknown {
    if (typeof item === 'string') return text(item);
    if (Array.isArray(item)) return redactObject(item, false, undefined);
    if (!isObj(item)) return item;
    const asEvent = redactEventLike(item);
    // whatever else the item holds (it failed validation: fields may be anywhere)
    let copy: Obj | undefined;
    for (const k in asEvent) {
      if (k === 'requestURI' || k === 'userAgent' || k === 'responseStatus' || k === 'annotations' || k === 'requestObject' || k === 'responseObject') continue;
      const v = asEvent[k];
      const r = redactObject(v, false, k);
      if (r !== v) (copy ??= { ...asEvent })[k] = r;
    }
    return copy ?? asEvent;
  }

  return { event: (event) => redactEventLike(event), value, text };
}
