import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { arr, field, isObj, str, succeeded, writtenObject, type Obj } from '../objects.js';

// The pod specs a write carries: a Pod's own spec, or the pod template of a workload controller, with
// every container (containers, initContainers, ephemeralContainers) and the template's metadata (the
// legacy seccomp/AppArmor annotations live there). Extracted once per event and shared by the rules.

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerInfo {
  name: string;
  kind: ContainerKind;
  /** '' when the document does not say (a patch touching only some fields). */
  image: string;
  spec: Obj;
}

export interface PodSpecInfo {
  spec: Obj;
  /** The Pod's or the template's metadata. */
  metadata: Obj | undefined;
  containers: ContainerInfo[];
}

export interface WorkloadWrite {
  /** Pod, Deployment, … (the object's kind, else the one its resource implies). */
  kind: string;
  namespace: string | null;
  /** The object's name; `<generateName>*` when the server had not named it yet. */
  name: string;
  object: Obj;
  specs: PodSpecInfo[];
}

export interface WorkloadResource {
  kind: string;
  /** API groups serving it ('' is core; old clusters serve apps kinds from extensions). */
  groups: readonly string[];
  /** Path from the object to the pod template (the object holding `metadata` and `spec`); [] for a Pod. */
  template: readonly string[];
}

const templateOfController = ['spec', 'template'] as const;
export const workloadResources: ReadonlyMap<string, WorkloadResource> = new Map([
  ['pods', { kind: 'Pod', groups: [''], template: [] }],
  ['replicationcontrollers', { kind: 'ReplicationController', groups: [''], template: templateOfController }],
  ['deployments', { kind: 'Deployment', groups: ['apps', 'extensions'], template: templateOfController }],
  ['daemonsets', { kind: 'DaemonSet', groups: ['apps', 'extensions'], template: templateOfController }],
  ['replicasets', { kind: 'ReplicaSet', groups: ['apps', 'extensions'], template: templateOfController }],
  ['statefulsets', { kind: 'StatefulSet', groups: ['apps'], template: templateOfController }],
  ['jobs', { kind: 'Job', groups: ['batch'], template: templateOfController }],
  ['cronjobs', { kind: 'CronJob', groups: ['batch'], template: ['spec', 'jobTemplate', 'spec', 'template'] }],
]);

const writeVerbs = new Set(['create', 'update', 'patch']);
const containerFields = [
  ['containers', 'container'],
  ['initContainers', 'initContainer'],
  ['ephemeralContainers', 'ephemeralContainer'],
] as const;

/**
 * The workload resource a request addresses, or undefined. Cheap (no object walk): rules call it first.
 * A '' group is accepted for the named kinds because hand-trimmed events may lack the group; a custom
 * resource with the same plural in another group is not a workload.
 */
export function workloadResourceOf(record: NormalizedRecord): WorkloadResource | undefined {
  if (record.resource === null) return undefined;
  const res = workloadResources.get(record.resource);
  if (!res) return undefined;
  const group = record.apiGroup ?? '';
  return group === '' || res.groups.includes(group) ? res : undefined;
}

/** A dry run (`?dryRun=All`) persists nothing: admission checks only, often from CI pipelines. */
export function isDryRun(record: NormalizedRecord): boolean {
  return record.requestUri.includes('dryRun=') && queryValues(record.requestUri, 'dryRun').some((v) => v !== '');
}

/**
 * A request whose outcome is known and good: not the RequestReceived stage (the same request is recorded
 * again once answered, and may yet be refused), not a failure, not a dry run.
 */
export function completedWrite(record: NormalizedRecord, event: AuditEvent): boolean {
  return writeVerbs.has(record.derivedVerb) && event.stage !== 'RequestReceived' && succeeded(record) && !isDryRun(record);
}

/**
 * Whether the request wrote a pod or a workload's pod template: create/update/patch of a workload
 * resource (no subresource, except a Pod's `ephemeralcontainers`, whose object is the Pod), completed.
 */
export function isWorkloadWrite(record: NormalizedRecord, event: AuditEvent): boolean {
  const res = workloadResourceOf(record);
  if (!res) return false;
  if (record.subresource !== null && !(res.kind === 'Pod' && record.subresource === 'ephemeralcontainers')) return false;
  return completedWrite(record, event);
}

const cache = new WeakMap<AuditEvent, WorkloadWrite | null>();

/**
 * The pod or workload a request wrote, with its pod specs (cached per event), or undefined when the
 * request is not a completed workload write or the audit level recorded no object.
 */
export function workloadWrite(record: NormalizedRecord, event: AuditEvent): WorkloadWrite | undefined {
  if (!isWorkloadWrite(record, event)) return undefined;
  const cached = cache.get(event);
  if (cached !== undefined) return cached ?? undefined;
  const res = workloadResourceOf(record);
  const object = objectOf(record, event);
  const result = res && object ? describeWrite(record, res, object) : null;
  cache.set(event, result);
  return result ?? undefined;
}

/**
 * The written object (see writtenObject); for a JSON patch without a responseObject, the sparse object
 * its add/replace operations describe, so `kubectl patch --type=json` at level Request is not blind.
 */
export function objectOf(record: NormalizedRecord, event: AuditEvent): Obj | undefined {
  const written = writtenObject(event);
  if (written) return written;
  return record.derivedVerb === 'patch' && Array.isArray(event.requestObject) ? fromJsonPatch(event.requestObject) : undefined;
}

function describeWrite(record: NormalizedRecord, res: WorkloadResource, object: Obj): WorkloadWrite {
  const metadata = field(object, 'metadata');
  const name = str(field(metadata, 'name')) ?? record.name ?? withStar(str(field(metadata, 'generateName'))) ?? '';
  return {
    kind: str(object.kind) ?? res.kind,
    namespace: record.namespace ?? str(field(metadata, 'namespace')) ?? null,
    name,
    object,
    specs: podSpecsOf(res, object),
  };
}

const withStar = (prefix: string | undefined) => (prefix === undefined ? undefined : `${prefix}*`);

/** The pod specs of an object of the given workload resource (zero or one in practice). */
export function podSpecsOf(res: WorkloadResource, object: Obj): PodSpecInfo[] {
  const template = res.template.length === 0 ? object : field(object, ...res.template);
  const spec = field(template, 'spec');
  if (!isObj(spec)) return [];
  const metadata = field(template, 'metadata');
  return [{ spec, metadata: isObj(metadata) ? metadata : undefined, containers: containersOf(spec) }];
}

/** Every container of a pod spec, in spec order: containers, initContainers, ephemeralContainers. */
export function containersOf(spec: Obj): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  for (const [key, kind] of containerFields) {
    for (const c of arr(spec[key])) {
      if (isObj(c)) out.push({ name: str(c.name) ?? '', kind, image: str(c.image) ?? '', spec: c });
    }
  }
  return out;
}

// JSON patch (RFC 6902) → the sparse object its add/replace operations would leave, enough for the rules
// to see e.g. `{"op":"add","path":"/spec/template/spec/containers/0/securityContext","value":{…}}`.
const unsafeKeys = new Set(['__proto__', 'constructor', 'prototype']);

export function fromJsonPatch(ops: readonly unknown[]): Obj {
  const root: Obj = {};
  for (const op of ops) {
    const kind = str(field(op, 'op'));
    const path = str(field(op, 'path'));
    if ((kind !== 'add' && kind !== 'replace') || path === undefined || !path.startsWith('/')) continue;
    const segments = path.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    if (segments.some((s) => unsafeKeys.has(s))) continue;
    setAt(root, segments, field(op, 'value'));
  }
  return root;
}

const isIndex = (s: string | undefined) => s === '-' || (s !== undefined && /^\d+$/.test(s));

function setAt(root: Obj, segments: string[], value: unknown): void {
  let cur: Obj | unknown[] = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? '';
    const last = i === segments.length - 1;
    const next: unknown = last ? value : child(cur, seg) ?? (isIndex(segments[i + 1]) ? [] : {});
    if (Array.isArray(cur)) {
      if (!isIndex(seg)) return;
      // An index past the end appends: a hostile `/containers/99999999` must not make a huge sparse array.
      const at = seg === '-' ? cur.length : Number(seg);
      if (at >= cur.length) cur.push(next);
      else cur[at] = next;
    } else {
      cur[seg] = next;
    }
    if (last) return;
    if (!isObj(next) && !Array.isArray(next)) return;
    cur = next;
  }
}

function child(cur: Obj | unknown[], seg: string): unknown {
  const v = Array.isArray(cur) ? (seg === '-' ? undefined : cur[Number(seg)]) : cur[seg];
  return isObj(v) || Array.isArray(v) ? v : undefined;
}

/** The values of a query parameter in a request URI, decoded like Go's url.ParseQuery ('+' is a space). */
export function queryValues(uri: string, key: string): string[] {
  const q = uri.indexOf('?');
  if (q < 0) return [];
  const out: string[] = [];
  for (const pair of uri.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const k = decodeQuery(eq < 0 ? pair : pair.slice(0, eq));
    if (k === key) {
      const v = decodeQuery(eq < 0 ? '' : pair.slice(eq + 1));
      if (v !== undefined) out.push(v);
    }
  }
  return out;
}

function decodeQuery(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

// Image references (the Docker/OCI distribution reference rules).

function splitDomain(image: string): { domain: string; rest: string } {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const isDomain = first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  let domain = isDomain ? first.toLowerCase() : 'docker.io';
  let rest = isDomain ? image.slice(slash + 1) : image;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return { domain, rest };
}

/**
 * The registry of an image reference: its first component when that contains '.' or ':', is
 * 'localhost' or has upper case (repository paths are lower case); else docker.io.
 */
export function registryOf(image: string): string {
  return splitDomain(image).domain;
}

/** The fully qualified form: `nginx:1.27` → `docker.io/library/nginx:1.27`. */
export function normalizedImage(image: string): string {
  const { domain, rest } = splitDomain(image);
  return `${domain}/${rest}`;
}

const digestPinned = /@sha256:[0-9a-f]{64}$|@sha512:[0-9a-f]{128}$/;

export function isDigestPinned(image: string): boolean {
  return digestPinned.test(image);
}

/**
 * Whether an image is covered by a trusted-image entry: the entry is a prefix of the reference as written
 * or of its normalized form, ending at a component boundary ('/', ':' or '@'), so `registry.k8s.io/pause`
 * covers `registry.k8s.io/pause:3.10` but not `registry.k8s.io/pause-evil`.
 */
export function isTrustedImage(image: string, trusted: readonly string[]): boolean {
  if (image === '' || trusted.length === 0) return false;
  const normalized = normalizedImage(image);
  return trusted.some((t) => t !== '' && (prefixAtBoundary(image, t) || prefixAtBoundary(normalized, t)));
}

function prefixAtBoundary(image: string, prefix: string): boolean {
  if (!image.startsWith(prefix)) return false;
  if (image.length === prefix.length || /[/:@]$/.test(prefix)) return true;
  const next = image[prefix.length];
  return next === '/' || next === ':' || next === '@';
}

/**
 * The object as stored after the write: the responseObject, or the request body of an update (a PUT
 * sends the whole object). Undefined for a patch recorded without its response, and at level Metadata.
 */
export function storedObject(record: NormalizedRecord, event: AuditEvent): Obj | undefined {
  const written = writtenObject(event);
  if (!written) return undefined;
  return written === event.responseObject || record.derivedVerb === 'update' ? written : undefined;
}

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Whether a patch document explicitly deletes the field at `path` (or an object holding it): a merge
 * patch setting it to null, or a JSON patch removing it or replacing it with an empty value.
 */
export function patchRemoves(patch: unknown, path: readonly string[]): boolean {
  if (isObj(patch)) {
    let cur: unknown = patch;
    for (const p of path) {
      if (!isObj(cur)) return false;
      cur = cur[p];
      if (cur === null) return true;
    }
    return false;
  }
  const pointers = path.map((_, i) => `/${path.slice(0, i + 1).map(escapePointer).join('/')}`);
  return arr(patch).some((op) => {
    const kind = str(field(op, 'op'));
    const at = str(field(op, 'path'));
    if (at === undefined || !pointers.includes(at)) return false;
    if (kind === 'remove') return true;
    return (kind === 'replace' || kind === 'add') && isEmptyValue(field(op, 'value'));
  });
}

export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObj(v) && Object.keys(v).length === 0;
}
