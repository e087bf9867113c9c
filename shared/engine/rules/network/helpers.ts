import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { inApiGroup, arr, field, isObj, isWrite, str, succeeded, writtenObject, type Obj } from '../objects.js';
import { awsKeyId, embeddedCredentialNames, hasJwt, isCredentialName, pemPrivateKey } from '../../credential-text.js';
import { rulesOf } from '../types.js';

/** The constructor of this folder's rules (the category is stated here, once). */
export const networkRule = rulesOf('network');

export const kubeletReadOnlyPort = '10255';

// Proxy paths, current (`…/services/<name>/proxy`) and deprecated (`/api/v1/proxy/…`).
export const proxyPath =
  /^\/api\/v1\/(?:proxy\/)?(?:namespaces\/[^/]+\/)?(services|pods|nodes)\/([^/?]+)(?:\/proxy)?(?:[/?]|$)/;

export interface ProxyTarget {
  resource: string;
  name: string;
}

export function proxyTarget(record: NormalizedRecord): ProxyTarget | undefined {
  if (record.subresource === 'proxy' && record.resource && record.name) {
    return { resource: record.resource, name: record.name };
  }
  const isProxy = /\/proxy(\/|\?|$)/.test(record.requestUri);
  const m = isProxy ? proxyPath.exec(record.requestUri) : null;
  if (!m?.[1] || !m[2]) return undefined;
  return { resource: m[1], name: decodeURIComponent(m[2]) };
}

// ---- objects that expose workloads or weaken transport security (create/update/patch, successful) ----

export const pastTense: Readonly<Record<string, string>> = { create: 'created', update: 'updated', patch: 'patched' };

export const did = (record: NormalizedRecord): string => pastTense[record.verb] ?? record.verb;

/** A successful create/update/patch of the object itself (status writes by controllers are not changes of intent). */
export function objectWrite(record: NormalizedRecord, resource: string): boolean {
  return record.resource === resource && record.subresource === null && isWrite(record) && succeeded(record);
}

/**
 * The object as stored, when the event tells: the responseObject, or the request document of a
 * create/update. For a patch recorded without its response only the patch is known, and what it leaves
 * out is not known to be absent (undefined then).
 */
export function storedObject(record: NormalizedRecord, event: AuditEvent): Obj | undefined {
  const obj = writtenObject(event);
  if (record.verb === 'patch' && obj !== event.responseObject) return undefined;
  return obj;
}

export function objectName(record: NormalizedRecord, obj: Obj | undefined): string {
  const name = record.name ?? str(field(obj, 'metadata', 'name')) ?? '(unnamed)';
  return record.namespace ? `${record.namespace}/${name}` : name;
}

export const isNetworkingGroup = (record: NormalizedRecord): boolean =>
  // extensions/v1beta1 served Ingress and NetworkPolicy until 1.22; old logs still carry it.
  inApiGroup(record, 'networking.k8s.io') || record.apiGroup === 'extensions';

export const webhookConfigurations = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);

export const invalidCertAnnotations = ['missing-san.invalid-cert.kubernetes.io/', 'insecure-sha1.invalid-cert.kubernetes.io/'];

export interface TlsProblem {
  reason: string;
  webhook?: string;
  url?: string;
  annotation?: string;
  detail?: string;
}

export function webhookProblems(obj: Obj | undefined): TlsProblem[] {
  const out: TlsProblem[] = [];
  for (const w of arr(obj?.webhooks)) {
    const url = str(field(w, 'clientConfig', 'url'));
    if (url === undefined || url === '') continue;
    const webhook = str(field(w, 'name')) ?? '?';
    if (/^http:\/\//i.test(url)) out.push({ reason: 'http-url', webhook, url });
    else if (!str(field(w, 'clientConfig', 'caBundle'))) out.push({ reason: 'url-without-caBundle', webhook, url });
  }
  return out;
}

export const emptySelector = (s: unknown): boolean =>
  isObj(s) && Object.keys(isObj(s.matchLabels) ? s.matchLabels : {}).length === 0 && arr(s.matchExpressions).length === 0;

/** A rule without peers and without ports admits all traffic in its direction (Kubernetes NetworkPolicy semantics). */
export const allowsAll = (rules: unknown, peers: 'from' | 'to'): boolean =>
  arr(rules).some((r) => isObj(r) && arr(r[peers]).length === 0 && arr(r.ports).length === 0);

// ---- credentials in ConfigMaps ----
// What counts as a credential name or value: credential-text.ts (shared with the redactor, so a value the
// redactor replaced still shows its kind here). Evidence names keys and kinds, never values.

export interface CredentialMatch {
  key: string;
  kinds: string[];
  names?: string[];
}

export function credentialMatches(data: Obj): CredentialMatch[] {
  const out: CredentialMatch[] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    const kinds: string[] = [];
    if (isCredentialName(key)) kinds.push('credential-key');
    if (awsKeyId.test(raw)) kinds.push('aws-access-key-id');
    if (pemPrivateKey.test(raw)) kinds.push('private-key-pem');
    if (hasJwt(raw)) kinds.push('jwt');
    const names = raw.includes('=') || raw.includes(':') ? embeddedCredentialNames(raw) : [];
    if (names.length > 0) kinds.push('credential-assignment');
    if (kinds.length > 0) out.push(names.length > 0 ? { key, kinds, names } : { key, kinds });
    if (out.length >= 20) break;
  }
  return out;
}
