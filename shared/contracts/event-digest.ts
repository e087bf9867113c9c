import { hash } from 'node:crypto';

/**
 * What tells two events apart that share cluster, auditID and stage: kube-apiserver and an aggregated API
 * server (openshift-apiserver, metrics-server, …) log the same request under the same auditID and stage,
 * while a retried batch repeats an event byte for byte. A hash of the event's JSON as received (compact,
 * JSON.stringify's form; before redaction, so it does not depend on the redaction key). Ingest computes it
 * from the JSON it writes anyway and carries it in the envelope; whoever has no envelope computes it.
 */
export function eventDigestOfJson(eventJson: string): string {
  return hash('sha256', `event\0${eventJson}`, 'hex').slice(0, 32);
}
