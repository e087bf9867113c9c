import { isObj, type AuditEvent, type NormalizedRecord, type Obj } from '#shared/contracts';

// Helpers every rule family shares: the object a request wrote, success, and who counts as "system".
export { isObj, type Obj };

export function field(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const strings = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');

const writeVerbs = new Set(['create', 'update', 'patch']);

export function isWrite(record: NormalizedRecord): boolean {
  return writeVerbs.has(record.verb);
}

/** The request did not fail (no status recorded counts as success: old and trimmed logs omit it). */
export function succeeded(record: NormalizedRecord): boolean {
  return record.responseCode === null || record.responseCode < 400;
}

/**
 * The object a create/update/patch wrote: the responseObject when the audit level recorded it (the
 * stored result, also for patches), else the request document (for a patch, the patch itself).
 */
export function writtenObject(event: AuditEvent): Obj | undefined {
  const response = event.responseObject;
  if (isObj(response) && isObj(response.metadata) && response.kind !== 'Status') return response;
  const request = event.requestObject;
  return isObj(request) ? request : undefined;
}

/**
 * Control-plane components, nodes and `system:` users other than service accounts; service accounts
 * count as system only in kube-system (where the controllers run).
 */
export function isSystemIdentity(record: NormalizedRecord): boolean {
  if (record.identityKind === 'controlplane' || record.identityKind === 'node') return true;
  if (record.serviceAccount) return record.serviceAccount.namespace === 'kube-system';
  return record.user.startsWith('system:') && record.user !== 'system:anonymous';
}

/**
 * The request is in this API group. Hand-trimmed logs without a requestURI often lack objectRef.apiGroup
 * too: those are accepted, since the resource names the rules check exist in one group only.
 */
export function inApiGroup(record: NormalizedRecord, group: string): boolean {
  return record.apiGroup === group || (record.requestUri === '' && (record.apiGroup === '' || record.apiGroup === null));
}

/** Refused: 401 or 403, or an authorizer's forbid. */
export const rejected = (r: NormalizedRecord) => r.responseCode === 401 || r.responseCode === 403 || r.decision === 'forbid';

/** `*x`, `x*` or an exact name (the tuning lists of names: profiles' identities, expectedNodeNames). */
export function nameMatches(patterns: readonly string[], name: string | null): boolean {
  if (name === null) return false;
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p.startsWith('*') ? name.endsWith(p.slice(1)) : name === p));
}

/** The past tense of the verbs that change objects (summaries). */
export const pastTense: Readonly<Record<string, string>> = {
  create: 'created',
  update: 'updated',
  patch: 'patched',
  delete: 'deleted',
  deletecollection: 'deleted',
};

/**
 * Whether `object` (the request's written object) is the whole object: a create or update, or the stored
 * result of a patch (its responseObject), not the patch document nor what a JSON patch's operations describe.
 */
export function isWholeObject(record: NormalizedRecord, event: AuditEvent, object: Obj): boolean {
  return record.derivedVerb !== 'patch' || object === event.responseObject;
}
