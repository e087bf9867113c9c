import { hash } from 'node:crypto';
import { eventDigestOfJson } from '#shared/contracts';

// One-shot hashing (crypto.hash, Node ≥ 20.12): no Hash object per call on the hot path.
export function sha256Hex(...parts: string[]): string {
  return hash('sha256', parts.join('\0'), 'hex');
}

/**
 * Deterministic: the same rule on the same request always gets the same id, whatever the stage. A request
 * is its auditID *and* what a client cannot make two requests share: its verb, URI, user and receive time
 * (the same at every stage). kube-apiserver takes the auditID from the client's Audit-ID header, so a decoy
 * request under the ID of a later one must not hide the later one's finding.
 */
export function findingId(ruleId: string, cluster: string, auditId: string, request: RequestIdentity): string {
  return sha256Hex('finding', ruleId, cluster, auditId, request.verb ?? '', request.requestURI ?? '', request.user?.username ?? '', request.requestReceivedTimestamp ?? '').slice(0, 32);
}

export interface RequestIdentity {
  verb?: string | null | undefined;
  requestURI?: string | null | undefined;
  user?: { username?: string | null | undefined } | null | undefined;
  requestReceivedTimestamp?: string | null | undefined;
}

/** The event's digest (see eventDigestOfJson) when no envelope carries it. */
export function eventDigest(event: unknown): string {
  return eventDigestOfJson(JSON.stringify(event));
}

/** Events without an auditID (old or trimmed logs) get a stable id derived from their content (its digest). */
export function syntheticAuditId(digest: string): string {
  return `kaudit-${digest}`;
}
