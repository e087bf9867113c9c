import { hash } from 'node:crypto';

// One-shot hashing (crypto.hash, Node ≥ 20.12): no Hash object per call on the hot path.
export function sha256Hex(...parts: string[]): string {
  return hash('sha256', parts.join('\0'), 'hex');
}

/** Deterministic: the same rule on the same request always gets the same id, whatever the stage. */
export function findingId(ruleId: string, cluster: string, auditId: string): string {
  return sha256Hex('finding', ruleId, cluster, auditId).slice(0, 32);
}

/**
 * What tells two events apart that share cluster, auditID and stage: kube-apiserver and an aggregated API
 * server (openshift-apiserver, metrics-server, …) log the same request under the same auditID and stage,
 * while a retried batch repeats an event byte for byte. A hash of the event as received (before redaction,
 * so that it does not depend on the redaction key).
 */
export function eventDigest(event: unknown): string {
  return sha256Hex('event', JSON.stringify(event)).slice(0, 32);
}

/** Events without an auditID (old or trimmed logs) get a stable id derived from their content (its digest). */
export function syntheticAuditId(digest: string): string {
  return `kaudit-${digest}`;
}
