import { auditTime, present, type AuditEvent, type Envelope, type NormalizedRecord } from '#shared/contracts';
import { eventDigest, syntheticAuditId } from './ids.js';
import { classifyIdentity, userAgentProduct } from './identity/index.js';
import { parseAuthorization } from './rbac/index.js';
import { deriveAttributes } from './request-info/index.js';

const reasonAnnotation = 'authorization.k8s.io/reason';

const timeFields = ['stageTimestamp', 'requestReceivedTimestamp', 'timestamp'] as const;

/** The event's time as the engine takes it, and what it had to make of the event's own timestamps. */
export interface EventTime {
  /** millisecond UTC ISO time */
  time: string;
  /** the event carries no usable time: `time` is the fallback (the receive time, or replay's neighbour) */
  inferred: boolean;
  /** the time fields whose value is no real time (kept as received in the raw event) */
  invalid: string[];
  /** the field the time was taken from */
  from: (typeof timeFields)[number] | undefined;
}

/** stageTimestamp, else requestReceivedTimestamp, else v1beta1 `timestamp`, else `fallback` (marked inferred). */
export function eventTime(event: AuditEvent, fallback: string): EventTime {
  let time: string | undefined;
  let from: EventTime['from'];
  const invalid: string[] = [];
  for (const field of timeFields) {
    const value = event[field];
    if (value === undefined || value === null || value === '') continue;
    const t = auditTime(value);
    if (t === undefined) invalid.push(field);
    else if (time === undefined) {
      time = t;
      from = field;
    }
  }
  return time === undefined ? { time: new Date(fallback).toISOString(), inferred: true, invalid, from } : { time, inferred: false, invalid, from };
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
/**
 * How far after its receipt an event's own time may lie (clock skew between the API server and kaudit).
 * Beyond it the time is a claim, not a fact: one event dated 9999-12-31 would otherwise open a gap of
 * millennia for audit-silence and keep it shut for good, sit atop every newest-first list and never expire.
 */
export const maxFutureSkewMs = 5 * 60_000;

/**
 * The event's time (ms) as its record has it: a time too far in the future becomes the receive time; undefined
 * when the event has no usable time (the record's is inferred).
 */
export function recordTimeMs(event: AuditEvent, receivedAt: string): number | undefined {
  const time = eventTime(event, receivedAt);
  if (time.inferred) return undefined;
  const received = Date.parse(receivedAt);
  return inFuture(time, received) ? received : Date.parse(time.time);
}

/** A time too far past its receipt to be believed (the record takes the receive time). */
const inFuture = (time: EventTime, receivedMs: number): boolean => !time.inferred && Date.parse(time.time) - receivedMs > maxFutureSkewMs;

/** The receive time of the last envelope: ingest gives one to every event of a batch, so it is read once. */
let lastReceived = { text: '', ms: Number.NaN, iso: '' };
function receiveTime(receivedAt: string): { ms: number; iso: string } {
  if (receivedAt !== lastReceived.text) lastReceived = { text: receivedAt, ms: Date.parse(receivedAt), iso: new Date(receivedAt).toISOString() };
  return lastReceived;
}

export function normalize(envelope: Envelope, digest = envelope.eventDigest ?? eventDigest(envelope.event)): NormalizedRecord {
  const { event, cluster, receivedAt, transport } = envelope;
  const time = eventTime(event, receivedAt);
  const { ms: received, iso: receivedIso } = receiveTime(receivedAt);
  const future = inFuture(time, received);
  const user = event.user ?? undefined;
  const annotations = event.annotations ?? {};
  const sourceIps = event.sourceIPs ?? [];
  const derived = deriveAttributes(event);
  const ref = derived.attributeMismatches.length === 0 ? (event.objectRef ?? undefined) : undefined;
  const identity = classifyIdentity(user, annotations);
  const authz = parseAuthorization(annotations);
  return {
    cluster,
    auditId: present(event.auditID) ?? syntheticAuditId(digest),
    stage: present(event.stage) ?? (event.responseStatus ? 'ResponseComplete' : 'RequestReceived'),
    eventDigest: digest,
    level: present(event.level) ?? null,
    eventTime: future ? new Date(received).toISOString() : time.time,
    eventTimeInferred: time.inferred,
    claimedEventTime: future ? time.time : null,
    invalidTimestamps: time.invalid,
    receivedAt: receivedIso,
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
    user: user?.username ?? '',
    userUid: present(user?.uid) ?? null,
    groups: user?.groups ?? [],
    extra: cleanExtra(user?.extra),
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
    userAgent: present(event.userAgent) ?? null,
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
