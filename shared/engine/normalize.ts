import type { AuditEvent, Envelope, NormalizedRecord } from '#shared/contracts';
import { syntheticAuditId } from './ids.js';

const decisionAnnotation = 'authorization.k8s.io/decision';
const reasonAnnotation = 'authorization.k8s.io/reason';

function isoOrNull(value: string | undefined): string | null {
  if (value === undefined) return null;
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

function decisionOf(annotations: Record<string, string>): NormalizedRecord['decision'] {
  const d = annotations[decisionAnnotation];
  return d === 'allow' || d === 'forbid' ? d : null;
}

export function normalize(envelope: Envelope): NormalizedRecord {
  const { event, cluster, receivedAt, transport } = envelope;
  const annotations = event.annotations ?? {};
  const sourceIps = event.sourceIPs ?? [];
  const ref = event.objectRef ?? undefined;
  return {
    cluster,
    auditId: event.auditID ?? syntheticAuditId(JSON.stringify(event)),
    stage: event.stage ?? (event.responseStatus ? 'ResponseComplete' : 'RequestReceived'),
    level: event.level ?? null,
    eventTime: eventTime(event, receivedAt),
    receivedAt: new Date(receivedAt).toISOString(),
    verb: event.verb ?? '',
    requestUri: event.requestURI ?? '',
    apiGroup: ref?.apiGroup ?? (ref ? '' : null),
    apiVersion: ref?.apiVersion ?? null,
    namespace: ref?.namespace ?? null,
    resource: ref?.resource ?? null,
    subresource: ref?.subresource ?? null,
    name: ref?.name ?? null,
    user: event.user?.username ?? '',
    userUid: event.user?.uid ?? null,
    groups: event.user?.groups ?? [],
    impersonatedUser: event.impersonatedUser?.username ?? null,
    sourceIps,
    clientIp: sourceIps.at(-1) ?? null,
    userAgent: event.userAgent ?? null,
    responseCode: event.responseStatus?.code ?? null,
    decision: decisionOf(annotations),
    decisionReason: annotations[reasonAnnotation] ?? null,
    transportTls: transport.tls,
    annotations,
  };
}
