// Re-derived request attributes of an audit event, and where the recorded attributes (verb, objectRef) disagree
// with what kube-apiserver would derive from the event's requestURI.
import { httpMethodOf, resolveRequestInfo } from './resolve.js';

export interface DerivedAttributes {
  derivedVerb: string;
  isResourceRequest: boolean;
  /** '' is the core group for resource requests; null for non-resource requests. */
  apiGroup: string | null;
  apiVersion: string | null;
  namespace: string | null;
  resource: string | null;
  subresource: string | null;
  name: string | null;
  path: string;
  /** Recorded attributes (verb, namespace, resource, subresource, name, apiGroup, apiVersion) that disagree. */
  attributeMismatches: string[];
}

export interface AuditObjectRefLike {
  resource?: string | null | undefined;
  namespace?: string | null | undefined;
  name?: string | null | undefined;
  apiGroup?: string | null | undefined;
  apiVersion?: string | null | undefined;
  subresource?: string | null | undefined;
}

export interface AuditEventLike {
  requestURI?: string | null | undefined;
  verb?: string | null | undefined;
  objectRef?: AuditObjectRefLike | null | undefined;
}

/**
 * Subresources whose streaming protocol decides the verb: SPDY clients POST (create), websocket clients
 * (kubectl >= 1.30 for exec/attach/port-forward) GET (get). Either recorded verb is legitimate.
 */
const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * Derives the request attributes from `requestURI` and the HTTP method behind the recorded verb, and lists the
 * recorded attributes that differ. Not mismatches: a recorded value that is absent or ''; get vs create on
 * exec/attach/portforward; and, on create, a name or namespace the URI does not carry (kube-apiserver completes
 * objectRef from the request body's metadata when the request path has none, even at level Metadata).
 * Without a requestURI nothing is derived: the attributes are the recorded ones and nothing can mismatch.
 */
export function deriveAttributes(event: AuditEventLike): DerivedAttributes {
  const ref = event.objectRef ?? undefined;
  const recordedVerb = text(event.verb);
  const uri = text(event.requestURI);

  if (uri === undefined || uri === '') {
    return {
      derivedVerb: recordedVerb ?? '',
      isResourceRequest: ref !== undefined,
      apiGroup: ref === undefined ? null : (text(ref.apiGroup) ?? ''),
      apiVersion: nonEmpty(ref?.apiVersion),
      namespace: nonEmpty(ref?.namespace),
      resource: nonEmpty(ref?.resource),
      subresource: nonEmpty(ref?.subresource),
      name: nonEmpty(ref?.name),
      path: '',
      attributeMismatches: [],
    };
  }

  const info = resolveRequestInfo(uri, httpMethodOf(recordedVerb));
  const mismatches: string[] = [];

  if (recordedVerb !== undefined && recordedVerb !== '' && recordedVerb !== info.verb) {
    const subresource = info.subresource !== '' ? info.subresource : (text(ref?.subresource) ?? '');
    const streamingSwap =
      STREAMING_SUBRESOURCES.has(subresource) &&
      ((recordedVerb === 'get' && info.verb === 'create') || (recordedVerb === 'create' && info.verb === 'get'));
    if (!streamingSwap) mismatches.push('verb');
  }
  if (ref !== undefined) {
    const completedFromBody = info.verb === 'create';
    compare(mismatches, 'namespace', ref.namespace, info.namespace, completedFromBody);
    compare(mismatches, 'resource', ref.resource, info.resource, false);
    compare(mismatches, 'subresource', ref.subresource, info.subresource, false);
    compare(mismatches, 'name', ref.name, info.name, completedFromBody);
    compare(mismatches, 'apiGroup', ref.apiGroup, info.apiGroup, false);
    compare(mismatches, 'apiVersion', ref.apiVersion, info.apiVersion, false);
  }

  return {
    derivedVerb: info.verb,
    isResourceRequest: info.isResourceRequest,
    apiGroup: info.isResourceRequest ? info.apiGroup : null,
    apiVersion: nonEmpty(info.apiVersion),
    namespace: nonEmpty(info.namespace),
    resource: nonEmpty(info.resource),
    subresource: nonEmpty(info.subresource),
    name: nonEmpty(info.name),
    path: info.path,
    attributeMismatches: mismatches,
  };
}

function compare(out: string[], field: string, recorded: unknown, derived: string, tolerateMissing: boolean): void {
  const r = text(recorded);
  if (r === undefined || r === '' || r === derived) return;
  if (tolerateMissing && derived === '') return;
  out.push(field);
}

/** The value when it is a string (audit events come from untrusted JSON), else undefined. */
function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function nonEmpty(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
