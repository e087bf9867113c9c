import { hash } from 'node:crypto';
import { eventDigestOfJson } from '#shared/contracts';

// One-shot hashing (crypto.hash, Node ≥ 20.12): no Hash object per call on the hot path.
export function sha256Hex(...parts: string[]): string {
  return hash('sha256', parts.join('\0'), 'hex');
}

/** Deterministic: the same rule on the same request always gets the same id, whatever the stage. */
export function findingId(ruleId: string, cluster: string, auditId: string): string {
  return sha256Hex('finding', ruleId, cluster, auditId).slice(0, 32);
}

/** The event's digest (see eventDigestOfJson) when no envelope carries it. */
export function eventDigest(event: unknown): string {
  return eventDigestOfJson(JSON.stringify(event));
}

/** Events without an auditID (old or trimmed logs) get a stable id derived from their content (its digest). */
export function syntheticAuditId(digest: string): string {
  return `kaudit-${digest}`;
}
