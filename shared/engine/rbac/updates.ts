// What a snapshot or an audit event changes in the model, decided without touching it: the items a
// snapshot lists, and the write of an RBAC object an audit event records.

import { KauditError, errorCodes } from '#shared/errors';
import { namespacedKinds } from './entries.js';
import { RBAC_GROUP, listSchema, rbacObjectSchema, type RbacKind, type RbacObject } from './types.js';
import { ALL } from './unknown.js';

/** The minimum of an audit.k8s.io Event that applyAuditEvent reads (the contracts' AuditEvent fits). */
export interface RbacAuditEvent {
  verb?: string | null | undefined;
  stage?: string | null | undefined;
  requestURI?: string | null | undefined;
  objectRef?: { resource?: string | null | undefined; namespace?: string | null | undefined; name?: string | null | undefined; apiGroup?: string | null | undefined; subresource?: string | null | undefined } | null | undefined;
  requestObject?: unknown;
  responseObject?: unknown;
  responseStatus?: { code?: number | null | undefined } | null | undefined;
}

/** A write the model applies; `ALL` in a namespace or name means every namespace, or some unnamed object. */
export type AuditWrite =
  /** Store `obj` (its name and namespace falling back to these); with no object, or one that cannot be stored, `unknown` becomes unknown. */
  | { op: 'store'; kind: RbacKind; obj: RbacObject | null; namespace: string; name: string; unknown: { namespace: string; name: string } }
  | { op: 'remove'; kind: RbacKind; namespace: string; name: string }
  | { op: 'unknown'; kind: RbacKind; namespace: string; name: string }
  /** Every stored object of the kind in the namespace ('' or `ALL`: everywhere) becomes unknown. */
  | { op: 'unknown-collection'; kind: RbacKind; namespace: string };

const resourceKinds: Readonly<Record<string, RbacKind>> = {
  roles: 'Role',
  clusterroles: 'ClusterRole',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
};

/** The items of a snapshot: a JSON array, or a `List` (or per-kind list) of RBAC objects. */
export function snapshotItems(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  const list = listSchema.safeParse(json);
  if (!list.success) throw new KauditError(errorCodes.config, 'RBAC snapshot is neither a List of RBAC objects nor a JSON array');
  return list.data.items ?? [];
}

/** The write this audit event records, or null when it records none the model applies (see RbacModel.applyAuditEvent). */
export function auditWriteOf(event: RbacAuditEvent): AuditWrite | null {
  const ref = event.objectRef;
  if (!ref?.resource || ref.apiGroup !== RBAC_GROUP) return null;
  const kind = resourceKinds[ref.resource];
  if (kind === undefined || (ref.subresource !== undefined && ref.subresource !== null && ref.subresource !== '')) return null;
  if (event.stage !== undefined && event.stage !== null && event.stage !== '' && event.stage !== 'ResponseComplete') return null;
  const code = event.responseStatus?.code;
  const succeeded = code === undefined || code === null ? event.responseObject !== undefined && event.responseObject !== null : code >= 200 && code < 300;
  if (!succeeded) return null;
  if (typeof event.requestURI === 'string' && /[?&]dryRun=/.test(event.requestURI)) return null;

  const namespaced = namespacedKinds.has(kind);
  const refNamespace = namespaced ? (ref.namespace ?? '') : '';
  const refName = ref.name ?? '';
  switch (event.verb) {
    case 'create':
    case 'update':
    case 'patch': {
      // A patch's request body is a patch document, not the object.
      const obj = parseAs(kind, event.responseObject) ?? (event.verb === 'patch' ? null : parseAs(kind, event.requestObject));
      const unknown = { namespace: refNamespace === '' && namespaced ? ALL : refNamespace, name: refName === '' ? ALL : refName };
      return { op: 'store', kind, obj, namespace: refNamespace, name: refName, unknown };
    }
    case 'delete':
      if (refName === '' || (namespaced && refNamespace === '')) return { op: 'unknown', kind, namespace: namespaced && refNamespace === '' ? ALL : refNamespace, name: ALL };
      return { op: 'remove', kind, namespace: refNamespace, name: refName };
    case 'deletecollection':
      return { op: 'unknown-collection', kind, namespace: namespaced ? (refNamespace === '' ? ALL : refNamespace) : '' };
    default:
      return null;
  }
}

/** The body as an object of this kind (a body without `kind` is taken as one), or null. */
function parseAs(kind: RbacKind, raw: unknown): RbacObject | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const withKind = (raw as { kind?: unknown }).kind === undefined ? { ...raw, kind } : raw;
  const parsed = rbacObjectSchema.safeParse(withKind);
  return parsed.success && parsed.data.kind === kind ? parsed.data : null;
}
