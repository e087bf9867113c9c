import type { AuditEvent, Envelope, NormalizedRecord } from '#shared/contracts';
import { syntheticAuditId } from './ids.js';
import { classifyIdentity, userAgentProduct } from './identity/index.js';
import { parseAuthorization } from './rbac/index.js';
import { deriveAttributes } from './request-info/index.js';

const reasonAnnotation = 'authorization.k8s.io/reason';

// Audit timestamps are RFC 3339 in UTC with up to microseconds (`2026-11-27T10:00:00.123456Z`): those
// are cut to milliseconds as text, anything else goes through Date.
const utcMicro = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,9}))?Z$/;

function isoOrNull(value: string | undefined): string | null {
  if (value === undefined) return null;
  const m = utcMicro.exec(value);
  if (m) return `${value.slice(0, 19)}.${(m[1] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** stageTimestamp, else requestReceivedTimestamp, else v1beta1 `timestamp`, else when kaudit received it. */
export function eventTime(event: AuditEvent, receivedAt: string): string {
  return (
    isoOrNull(event.stageTimestamp) ??
    isoOrNull(event.requestReceivedTimestamp) ??
    isoOrNull(event.timestamp) ??
    new Date(receivedAt).toISOString()
  );
}

function describeRef(ref: { kind: string; name: string; namespace?: string } | null): string | null {
  if (!ref) return null;
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

function cleanExtra(extra: Record<string, string[] | null> | null | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (extra) for (const [k, v] of Object.entries(extra)) out[k] = v ?? [];
  return out;
}

/**
 * Everything kaudit derives from one event by itself: request attributes re-derived from the URI, the
 * identity and credential, and the authorizer's attribution. kaudit's own RBAC verdict is added by the
 * engine, which holds the RBAC model (see engine.ts); here it starts unknown.
 */
export function normalize(envelope: Envelope): NormalizedRecord {
  const { event, cluster, receivedAt, transport } = envelope;
  const annotations = event.annotations ?? {};
  const sourceIps = event.sourceIPs ?? [];
  const derived = deriveAttributes(event);
  const ref = derived.attributeMismatches.length === 0 ? (event.objectRef ?? undefined) : undefined;
  const identity = classifyIdentity(event.user, annotations);
  const authz = parseAuthorization(annotations);
  return {
    cluster,
    auditId: event.auditID ?? syntheticAuditId(JSON.stringify(event)),
    stage: event.stage ?? (event.responseStatus ? 'ResponseComplete' : 'RequestReceived'),
    level: event.level ?? null,
    eventTime: eventTime(event, receivedAt),
    receivedAt: new Date(receivedAt).toISOString(),
    verb: event.verb ?? '',
    requestUri: event.requestURI ?? '',
    derivedVerb: derived.derivedVerb,
    isResourceRequest: derived.isResourceRequest,
    apiGroup: derived.apiGroup,
    apiVersion: derived.apiVersion,
    // On create the API server fills objectRef's name/namespace from the body: take them when the URI has none.
    namespace: derived.namespace ?? ref?.namespace ?? null,
    resource: derived.resource,
    subresource: derived.subresource,
    name: derived.name ?? ref?.name ?? null,
    path: derived.path,
    attributeMismatches: derived.attributeMismatches,
    user: event.user?.username ?? '',
    userUid: event.user?.uid ?? null,
    groups: event.user?.groups ?? [],
    extra: cleanExtra(event.user?.extra),
    identityKind: identity.identityKind,
    serviceAccount: identity.serviceAccount,
    nodeName: identity.nodeName,
    pod: identity.pod,
    credentialKind: identity.credentialKind,
    credentialId: identity.credentialId,
    impersonatedUser: event.impersonatedUser?.username ?? null,
    impersonatedGroups: event.impersonatedUser?.groups ?? [],
    sourceIps,
    clientIp: sourceIps.at(-1) ?? null,
    userAgent: event.userAgent ?? null,
    userAgentProduct: userAgentProduct(event.userAgent),
    responseCode: event.responseStatus?.code ?? null,
    decision: authz.decision,
    decisionReason: annotations[reasonAnnotation] ?? null,
    authorizer: authz.authorizer,
    grantingBinding: describeRef(authz.binding),
    grantingRole: describeRef(authz.role),
    rbacVerdict: null,
    rbacVerdictBinding: null,
    rbacVerdictNote: 'no RBAC model',
    transportTls: transport.tls,
    annotations,
  };
}
