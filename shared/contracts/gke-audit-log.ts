import { hash } from 'node:crypto';
import { isObj, type Obj } from './json.js';
import { auditTime } from './time.js';

// GKE's Kubernetes audit log exists only in Cloud Logging: one LogEntry per request (`resource.type`
// k8s_cluster), the request in `protoPayload`, a google.cloud.audit.AuditLog of service `k8s.io`:
//   methodName    io.k8s.<group reversed, no k8s.io>.<version>.<resource>[.<subresource>].<verb>
//                 (io.k8s.core.v1.pods.exec.create, io.k8s.authorization.rbac.v1.clusterrolebindings.create,
//                 io.k8s.apps.v1.deployments.patch)
//   resourceName  <group or core>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]
//   authenticationInfo.principalEmail, requestMetadata.callerIp / callerSuppliedUserAgent,
//   authorizationInfo[].granted, status (a google.rpc.Status), request / response (the objects, with `@type`)
// while the entry's `labels` hold the audit annotations (authorization.k8s.io/decision and /reason, admission
// annotations), `operation.id` (= `insertId`) the audit ID, and `operation.first` / `last` are always true:
// GKE writes one entry per request, when it completes. There is no requestURI, no groups and no stage.
// The conversion rebuilds an audit.k8s.io/v1 Event from these fields; what GKE does not record stays absent.

/** The annotation every converted Event carries, and its value for a GKE entry. */
export const convertedFromAnnotation = 'kaudit.io/converted-from';
export const gkeConverted = 'gke-cloud-audit-log';

const auditLogType = 'type.googleapis.com/google.cloud.audit.AuditLog';
const kubernetesService = 'k8s.io';
const clusterResource = 'k8s_cluster';
const decisionAnnotation = 'authorization.k8s.io/decision';
/** Annotations only kaudit sets (event-limits.ts keeps the same prefix out of received events). */
const ownPrefix = 'kaudit.io/';
/** user.extra key of the Google principals a service account acted for (authenticationInfo.serviceAccountDelegationInfo). */
export const gkeDelegationExtra = 'kaudit.io/gke-delegated-by';

export type GkeConversion = { ok: true; event: Record<string, unknown> } | { ok: false; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const objOf = (v: unknown): Obj => (isObj(v) ? v : {});
/** A value as a reason quotes it: JSON for a scalar, the kind of anything else. */
const shown = (v: unknown): string =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? JSON.stringify(v) : `a value of type ${Array.isArray(v) ? 'array' : typeof v}`;
/** Panther's exports name `@type` `at_sign_type`. */
const typeOf = (o: Obj): unknown => o['@type'] ?? o.at_sign_type;

/** Any Cloud Logging LogEntry with a protoPayload: the documents replay hands to `gkeAuditEvent`. */
export function isCloudLogEntry(doc: unknown): boolean {
  return isObj(doc) && isObj(doc.protoPayload);
}

/** Why `doc` is no LogEntry of a Kubernetes audit log, or undefined when it is one. */
function notGkeEntry(doc: unknown): string | undefined {
  if (!isObj(doc)) return 'not a Cloud Logging LogEntry: expected a JSON object';
  const payload = doc.protoPayload;
  if (!isObj(payload)) return 'not a Cloud Logging LogEntry: no protoPayload object';
  const type = typeOf(payload);
  if (type !== undefined && type !== auditLogType) return `not a Cloud Audit Log entry: protoPayload @type is ${shown(type)}`;
  const service = payload.serviceName;
  if (service !== undefined && service !== kubernetesService) {
    return `not a Kubernetes audit log entry: protoPayload.serviceName is ${shown(service)}, GKE’s is "k8s.io"`;
  }
  // Hand-trimmed entries leave the service out: the monitored resource or the method says it instead.
  if (service === undefined && objOf(doc.resource).type !== clusterResource && !(str(payload.methodName) ?? '').startsWith('io.k8s.')) {
    return 'not a Kubernetes audit log entry: no serviceName "k8s.io", resource.type "k8s_cluster" or io.k8s. methodName';
  }
  return undefined;
}

/** true for a Cloud Logging LogEntry carrying a Kubernetes audit log (protoPayload AuditLog) */
export function isGkeLogEntry(doc: unknown): boolean {
  return notGkeEntry(doc) === undefined;
}

/** The cluster a GKE entry belongs to: `resource.labels.cluster_name` of a k8s_cluster resource. */
export function gkeClusterOf(entry: unknown): string | undefined {
  if (!isObj(entry)) return undefined;
  const resource = objOf(entry.resource);
  return resource.type === clusterResource ? str(objOf(resource.labels).cluster_name) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// methodName and resourceName

const requestVerbs = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);
const isVersion = (s: string | undefined): s is string => s !== undefined && /^v\d+(?:(?:alpha|beta)\d+)?$/.test(s);
/** Built-in groups named without a domain: their reversed form is io.k8s.<group>. */
const domainlessGroups = new Set(['apps', 'batch', 'autoscaling', 'policy', 'extensions']);
/** Subresources that switch protocols: a completed request answered 101. */
const streamingSubresources = new Set(['exec', 'attach', 'portforward']);

interface Target {
  group: string;
  version: string;
  resource: string;
  subresource?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
}

interface Method {
  verb: string;
  target: Target | undefined;
}

/** `io.k8s.authorization.rbac` → rbac.authorization.k8s.io, `io.k8s.core` → '', `io.k8s.apps` → apps. */
function groupOf(reversed: readonly string[]): string {
  if (reversed[0] === 'io' && reversed[1] === 'k8s') {
    const inside = reversed.slice(2);
    if (inside.length === 1 && inside[0] === 'core') return '';
    if (inside.length === 1 && domainlessGroups.has(inside[0] ?? '')) return inside[0] ?? '';
    return [...inside.reverse(), 'k8s', 'io'].join('.');
  }
  return [...reversed].reverse().join('.');
}

function parseMethod(methodName: string): Method | string {
  const parts = methodName.split('.');
  const verb = parts.at(-1) ?? '';
  const at = parts.findIndex((p, i) => i > 0 && isVersion(p));
  const after = at < 0 ? [] : parts.slice(at + 1, -1);
  if (at < 0 || after.length === 0 || after.length > 2 || after.includes('')) {
    // no <version>.<resource>[.<subresource>]: the verb is usable only with a non-resource resourceName
    return { verb: requestVerbs.has(verb) ? verb : '', target: undefined };
  }
  if (!requestVerbs.has(verb)) return `methodName ${JSON.stringify(methodName)} ends in ${JSON.stringify(verb)}, not a Kubernetes request verb`;
  const [resource = '', subresource] = after;
  return { verb, target: { group: groupOf(parts.slice(0, at)), version: parts[at] ?? '', resource, subresource } };
}

/** `core/v1/namespaces/default/pods/nginx/exec` → its parts; `hint` (the method's resource) tells `namespaces/<ns>/…` from a Namespace. */
function parseResourceName(resourceName: string, hint: string | undefined): Target | undefined {
  const parts = resourceName.split('/').filter((p) => p !== '');
  const [group, version] = parts;
  if (group === undefined || !isVersion(version) || parts.length < 3) return undefined;
  let rest = parts.slice(2);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && hint !== 'namespaces') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = '', name, subresource] = rest;
  return { group: group === 'core' ? '' : group, version, resource, name, subresource, namespace };
}

/** `s` with the ASCII characters `which` matches percent-encoded (the rest as it is: a name may hold anything JSON can). */
const escaped = (s: string, which: RegExp): string => s.replace(which, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/**
 * The request path kube-apiserver served: a create names the collection (the name is in the body), a list or
 * watch of one object selects it by field, a watch says so in the query. A path only: GKE keeps no query.
 */
function requestPath(t: Target, verb: string): string {
  const segment = (s: string) => escaped(s, /[%?#\s]/g);
  const parts = [t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`];
  if (t.namespace !== undefined) parts.push('namespaces', segment(t.namespace));
  parts.push(segment(t.resource));
  const collection = verb === 'list' || verb === 'watch' || verb === 'deletecollection';
  const namedInPath = t.name !== undefined && !collection && !(verb === 'create' && t.subresource === undefined);
  if (namedInPath && t.name !== undefined) parts.push(segment(t.name));
  if (t.subresource !== undefined) parts.push(segment(t.subresource));
  const query = [
    ...(collection && t.name !== undefined ? [`fieldSelector=${escaped(`metadata.name=${t.name}`, /[%?#&=+,;\s]/g)}`] : []),
    ...(verb === 'watch' ? ['watch=true'] : []),
  ];
  return `${parts.join('/')}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Outcome: decision and response status

/** google.rpc.Code → the HTTP status kube-apiserver answered (the mapping google.rpc documents). */
function httpStatusOf(rpcCode: number, verb: string): number {
  switch (rpcCode) {
    case 1:
      return 499;
    case 3:
      // kube answers an invalid object with 422, any other bad request with 400
      return verb === 'create' || verb === 'update' || verb === 'patch' ? 422 : 400;
    case 4:
      return 504;
    case 5:
      return 404;
    case 6:
    case 10:
      return 409;
    case 7:
      return 403;
    case 8:
      return 429;
    case 9:
    case 11:
      return 400;
    case 12:
      return 501;
    case 14:
      return 503;
    case 16:
      return 401;
    default:
      return 500;
  }
}

/** An HTTP status code, or undefined for anything else. */
const httpCode = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599 ? v : undefined);

/** A metav1.Status as response (its `status` is "Success" or "Failure"; an object's `status` is an object). */
const asStatus = (response: unknown): Obj | undefined => (isObj(response) && (response.kind === 'Status' || typeof response.status === 'string') ? response : undefined);

/**
 * The authorizer's decision: the entry's label when GKE wrote it; else granted on an authorizationInfo entry
 * (allow), PERMISSION_DENIED (forbid), or every entry explicitly not granted and no status (forbid). GKE's
 * JSON leaves `granted: false` out, and an admission denial also ends in PERMISSION_DENIED with the
 * authorizer's allow in the label: so the label comes first, and a missing `granted` decides nothing.
 */
function decisionOf(labels: Obj, payload: Obj, rpcCode: number | undefined): 'allow' | 'forbid' | undefined {
  const label = labels[decisionAnnotation];
  if (label === 'allow' || label === 'forbid') return label;
  const authz = (Array.isArray(payload.authorizationInfo) ? (payload.authorizationInfo as unknown[]) : []).filter(isObj);
  if (authz.some((a) => a.granted === true)) return 'allow';
  if (rpcCode === 7) return 'forbid';
  if (rpcCode === undefined && authz.length > 0 && authz.every((a) => a.granted === false)) return 'forbid';
  return undefined;
}

function responseStatusOf(payload: Obj, verb: string, subresource: string | undefined, decision: 'allow' | 'forbid' | undefined): Obj {
  const rpc = isObj(payload.status) ? payload.status : undefined;
  const rpcCode = rpc === undefined ? undefined : typeof rpc.code === 'number' ? rpc.code : 0;
  const k8s = asStatus(payload.response);
  const failed = (rpcCode !== undefined && rpcCode !== 0) || k8s?.status === 'Failure' || (rpcCode === undefined && decision === 'forbid');
  if (!failed) {
    const inferred = subresource !== undefined && streamingSubresources.has(subresource) ? 101 : verb === 'create' ? 201 : 200;
    return { metadata: {}, code: httpCode(k8s?.code) ?? inferred };
  }
  // The Status kube-apiserver answered, when GKE kept it as the response, is exactly the audit responseStatus.
  const code = httpCode(k8s?.code) ?? (rpcCode !== undefined && rpcCode !== 0 ? httpStatusOf(rpcCode, verb) : rpcCode === undefined && decision === 'forbid' ? 403 : undefined);
  const message = str(k8s?.message) ?? str(rpc?.message);
  const reason = str(k8s?.reason);
  return { metadata: {}, status: 'Failure', ...(message === undefined ? {} : { message }), ...(reason === undefined ? {} : { reason }), ...(code === undefined ? {} : { code }) };
}

// ---------------------------------------------------------------------------------------------------
// Identity, time, id

function userOf(auth: Obj): { user: Obj; impersonatedUser: Obj | undefined } {
  const principal = str(auth.principalEmail) ?? str(auth.principalSubject);
  const selector = str(auth.authoritySelector);
  const delegatedBy = (Array.isArray(auth.serviceAccountDelegationInfo) ? (auth.serviceAccountDelegationInfo as unknown[]) : [])
    .map((d) => str(objOf(objOf(d).firstPartyPrincipal).principalEmail) ?? str(objOf(d).principalSubject))
    .filter((p): p is string => p !== undefined);
  const username = principal ?? selector;
  const user: Obj = {
    ...(username === undefined ? {} : { username }),
    ...(delegatedBy.length === 0 ? {} : { extra: { [gkeDelegationExtra]: delegatedBy } }),
  };
  // The authority a caller asked to act as (kubectl --as): the identity it impersonated.
  return { user, impersonatedUser: principal !== undefined && selector !== undefined && selector !== principal ? { username: selector } : undefined };
}

const timeShape = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(\.\d{1,9})?([Zz]|[+-]\d\d:\d\d)?$/;

/**
 * A LogEntry time as RFC 3339 with its full precision: Cloud Logging writes RFC 3339, Panther's exports
 * `2024-01-19 13:47:18.279921000` (UTC, no zone). Text that is no time is passed on as it is, for the
 * engine to report as an invalid timestamp, as it does for a native event.
 */
function rfc3339(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const valid = auditTime(value);
  if (valid === undefined) return value;
  const m = timeShape.exec(value);
  if (!m) return valid;
  const zone = m[4] === undefined || m[4] === 'z' ? 'Z' : m[4];
  return `${m[1] ?? ''}T${m[2] ?? ''}${m[3] ?? ''}${zone}`;
}

/** operation.id (GKE's audit ID, equal to insertId), else insertId, else a digest of the entry. */
function auditIdOf(entry: Obj): string | undefined {
  const id = str(objOf(entry.operation).id) ?? str(entry.insertId);
  if (id !== undefined) return id;
  try {
    return `gke-${hash('sha256', `gke-log-entry\0${JSON.stringify(entry)}`, 'hex').slice(0, 32)}`;
  } catch {
    return undefined;
  }
}

/** The object without its protobuf `@type` (fromEntries keeps an own `__proto__` key a key, as JSON.parse made it). */
function withoutType(v: unknown): Obj | undefined {
  if (!isObj(v)) return undefined;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '@type' && k !== 'at_sign_type'));
}

// ---------------------------------------------------------------------------------------------------

/** the Event, or the reason the entry cannot be one (never throws) */
export function gkeAuditEvent(entry: unknown): GkeConversion {
  const not = notGkeEntry(entry);
  if (not !== undefined) return { ok: false, reason: not };
  const e = entry as Obj;
  const payload = e.protoPayload as Obj;
  const methodName = str(payload.methodName);
  if (methodName === undefined) return { ok: false, reason: 'not a Kubernetes audit log entry: protoPayload.methodName is missing' };
  const method = parseMethod(methodName);
  if (typeof method === 'string') return { ok: false, reason: `not a Kubernetes audit log entry: ${method}` };

  // resourceName is the reliable source of group, version and resource (the method name spells some groups
  // its own way); authorizationInfo names the same resource when resourceName is missing.
  const authzResource = str(objOf((Array.isArray(payload.authorizationInfo) ? (payload.authorizationInfo as unknown[]) : [])[0]).resource);
  const resourceName = str(payload.resourceName) ?? authzResource;
  const nonResourcePath = resourceName?.startsWith('/') === true ? resourceName : undefined;
  const named = resourceName === undefined || nonResourcePath !== undefined ? undefined : parseResourceName(resourceName, method.target?.resource);
  const found: Target | undefined = named ? { ...named, subresource: named.subresource ?? method.target?.subresource } : method.target;
  // a subresource belongs to a named object: without the name, the request is on the resource
  const target = found?.name === undefined ? (found && { ...found, subresource: undefined }) : found;
  if (target === undefined && nonResourcePath === undefined) {
    return { ok: false, reason: `not a Kubernetes audit log entry: methodName ${JSON.stringify(methodName)} names no API version and resource, and resourceName ${resourceName === undefined ? 'is missing' : `${JSON.stringify(resourceName)} is none`}` };
  }
  // a non-resource request (a health or discovery path) is read with GET unless the method names a verb
  const verb = method.verb !== '' ? method.verb : target === undefined ? 'get' : '';
  if (verb === '') return { ok: false, reason: `not a Kubernetes audit log entry: methodName ${JSON.stringify(methodName)} ends in no Kubernetes request verb` };

  const labels = objOf(e.labels);
  const rpc = isObj(payload.status) ? payload.status : undefined;
  const decision = decisionOf(labels, payload, rpc === undefined ? undefined : typeof rpc.code === 'number' ? rpc.code : 0);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string' && !k.startsWith(ownPrefix)) annotations[k] = v;
  if (decision !== undefined) annotations[decisionAnnotation] ??= decision;
  annotations[convertedFromAnnotation] = gkeConverted;

  const auditID = auditIdOf(e);
  if (auditID === undefined) return { ok: false, reason: 'not a Kubernetes audit log entry: it has no operation.id or insertId, and cannot be serialised to derive one' };
  const { user, impersonatedUser } = userOf(objOf(payload.authenticationInfo));
  const meta = objOf(payload.requestMetadata);
  const callerIp = str(meta.callerIp) ?? str(meta.callerIP);
  const userAgent = str(meta.callerSuppliedUserAgent);
  const requestObject = withoutType(payload.request);
  const responseObject = withoutType(payload.response);
  const stageTimestamp = rfc3339(e.timestamp) ?? rfc3339(e.receiveTimestamp);
  const requestReceivedTimestamp = rfc3339(objOf(meta.requestAttributes).time) ?? stageTimestamp;
  const objectRef =
    target === undefined
      ? undefined
      : {
          resource: target.resource,
          ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
          ...(target.name === undefined ? {} : { name: target.name }),
          apiGroup: target.group,
          apiVersion: target.version,
          ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
        };

  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: responseObject !== undefined ? 'RequestResponse' : requestObject !== undefined ? 'Request' : 'Metadata',
    auditID,
    // one entry per request, written when it completed (operation.first and .last are both true)
    stage: 'ResponseComplete',
    requestURI: nonResourcePath ?? requestPath(target as Target, verb),
    verb,
    user,
    ...(impersonatedUser === undefined ? {} : { impersonatedUser }),
    ...(callerIp === undefined ? {} : { sourceIPs: [callerIp] }),
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(objectRef === undefined ? {} : { objectRef }),
    responseStatus: responseStatusOf(payload, verb, target?.subresource, decision),
    ...(requestObject === undefined ? {} : { requestObject }),
    ...(responseObject === undefined ? {} : { responseObject }),
    ...(requestReceivedTimestamp === undefined ? {} : { requestReceivedTimestamp }),
    ...(stageTimestamp === undefined ? {} : { stageTimestamp }),
    annotations,
  };
  return { ok: true, event };
}
