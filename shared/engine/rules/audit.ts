import { trimAnnotations, type AuditEvent, type NormalizedRecord } from '#shared/contracts';
import { sha256Hex } from '../ids.js';
import { succeeded } from './objects.js';
import type { Rule } from './types.js';

// Audit integrity (SPEC §5.1). Events expire by themselves (the API server's --event-ttl, an etcd lease),
// so no component needs to delete them; the namespace controller and the garbage collector do when a
// namespace or an owner goes, and they are control-plane identities.

const deletes = new Set(['delete', 'deletecollection']);

function isEventsResource(record: NormalizedRecord): boolean {
  if (record.resource !== 'events' || record.subresource !== null) return false;
  // Core v1 Events and events.k8s.io Events are the same objects served twice. Trimmed events without a
  // requestURI name no group ('' here) and count as core.
  return record.apiGroup === '' || record.apiGroup === 'events.k8s.io';
}

export const auditEventsDeleted: Rule = {
  id: 'audit-events-deleted',
  title: 'Kubernetes Events deleted',
  severity: 'medium',
  category: 'audit',
  mitre: ['T1070'],
  evaluate({ record }) {
    if (!isEventsResource(record) || !deletes.has(record.derivedVerb)) return undefined;
    if (!succeeded(record) || record.identityKind === 'controlplane') return undefined;
    const collection = record.derivedVerb === 'deletecollection';
    const where = record.namespace ? ` in namespace ${record.namespace}` : ' in all namespaces';
    return {
      summary: collection
        ? `${record.user} deleted a collection of Events${where}.`
        : `${record.user} deleted Event ${record.name ?? '?'}${where}.`,
      evidence: {
        user: record.user,
        verb: record.derivedVerb,
        apiGroup: record.apiGroup,
        namespace: record.namespace,
        name: record.name,
        requestUri: record.requestUri,
      },
    };
  },
};

// kube-apiserver copies a client's `Audit-ID` header into `auditID`, for any client; it generates a UUID
// otherwise. An ID that is long or holds characters no generator uses was chosen to be noticed — or not.
const maxAuditIdLength = 128;
const plainAuditId = /^[A-Za-z0-9._:-]*$/;

export const auditIdAnomalous: Rule = {
  id: 'audit-id-anomalous',
  title: 'Client-chosen audit ID out of shape',
  severity: 'medium',
  category: 'audit',
  mitre: ['T1070', 'T1562'],
  evaluate({ record, event }) {
    const trimmedBytes = event.annotations?.[trimAnnotations.auditIdBytes];
    const length = trimmedBytes === undefined ? record.auditId.length : Number(trimmedBytes);
    const unusual = !plainAuditId.test(record.auditId);
    if (trimmedBytes === undefined && length <= maxAuditIdLength && !unusual) return undefined;
    return {
      summary: `${record.user} sent a request whose audit ID (set from its Audit-ID header) is ${length > maxAuditIdLength ? `${String(length)} characters long` : 'made of unusual characters'}.`,
      evidence: { user: record.user, sourceIps: record.sourceIps, userAgent: record.userAgent, auditIdLength: length, unusualCharacters: unusual, auditIdPrefix: record.auditId.slice(0, 64) },
    };
  },
};

/** What a client cannot make two requests share (the same at every stage of one request). */
function requestFingerprint(event: AuditEvent): string {
  return sha256Hex(event.verb ?? '', event.requestURI ?? '', event.user?.username ?? '', event.requestReceivedTimestamp ?? '').slice(0, 16);
}

export const auditIdReused: Rule = {
  id: 'audit-id-reused',
  title: 'Audit ID reused by another request',
  severity: 'high',
  category: 'audit',
  mitre: ['T1070', 'T1562'],
  evaluate({ record, event, memory }) {
    // events without an auditID get one of their own (their digest); nothing to reuse
    if (event.auditID === undefined || event.auditID === null || event.auditID === '') return undefined;
    const key = `aid:${record.cluster}/${record.auditId}`;
    const fingerprint = requestFingerprint(event);
    const first = memory.get<{ f: string; verb: string; uri: string; user: string }>(key);
    if (first === undefined) {
      memory.set(key, { f: fingerprint, verb: record.verb, uri: record.requestUri.slice(0, 512), user: record.user });
      return undefined;
    }
    if (first.f === fingerprint) return undefined;
    return {
      summary: `Audit ID ${record.auditId.slice(0, 64)} of ${first.user}'s ${first.verb} ${first.uri.slice(0, 128)} was used again by ${record.user}'s ${record.verb} ${record.requestUri.slice(0, 128)}: a client chose it (Audit-ID header), so one of the two may be hiding behind the other.`,
      evidence: { auditIdPrefix: record.auditId.slice(0, 64), first: { user: first.user, verb: first.verb, requestUri: first.uri }, again: { user: record.user, verb: record.verb, requestUri: record.requestUri.slice(0, 512), sourceIps: record.sourceIps } },
    };
  },
};

export const oversizedEvent: Rule = {
  id: 'oversized-event',
  title: 'Audit event too large to keep whole',
  severity: 'medium',
  category: 'audit',
  mitre: ['T1562'],
  evaluate({ record, event }) {
    const trimmed = event.annotations?.[trimAnnotations.trimmed];
    if (trimmed === undefined) return undefined;
    const bytes = Number(event.annotations?.[trimAnnotations.eventBytes] ?? 0);
    return {
      summary: `${record.user}'s ${record.verb} ${record.requestUri.slice(0, 128)} produced an audit event of ${String(bytes)} bytes, over the limit: it was analysed without ${trimmed.split(',').join(', ')} (the whole event is in the DLQ).`,
      evidence: { user: record.user, verb: record.verb, requestUri: record.requestUri.slice(0, 512), eventBytes: bytes, trimmed: trimmed.split(',') },
    };
  },
};

export const auditRules: Rule[] = [auditEventsDeleted, auditIdAnomalous, auditIdReused, oversizedEvent];
