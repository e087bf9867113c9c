import { hash } from 'node:crypto';

// One-shot hashing (crypto.hash, Node ≥ 20.12): no Hash object per call on the hot path.
export function sha256Hex(...parts: string[]): string {
  return hash('sha256', parts.join('\0'), 'hex');
}

/** Deterministic: the same rule on the same request always gets the same id, whatever the stage. */
export function findingId(ruleId: string, cluster: string, auditId: string): string {
  return sha256Hex('finding', ruleId, cluster, auditId).slice(0, 32);
}

/** Events without an auditID (old or trimmed logs) get a stable id derived from their content. */
export function syntheticAuditId(rawEventJson: string): string {
  return `kaudit-${sha256Hex('event', rawEventJson).slice(0, 32)}`;
}
