import type { AuditEvent } from '#shared/contracts';
import { auditWriteOf } from './rbac/updates.js';
import { workloadResources } from './rules/workload/pod-spec.js';

// State shared across identities, with analyzers scaled out (README "Growing beyond one machine").
//
// Events are keyed `<cluster>/<user>`, so one identity's events are in order on one partition, and each
// partition is analysed with state of its own: the RBAC model, rule state and memory are per partition. What
// one identity does that changes what every partition must know (an RBAC object written, a CSR's requester,
// a webhook's failure policy, a workload's containers, a namespace's Pod Security label) reaches every
// partition as a `state` copy, written by ingest on every partition of the events topic right after the
// event itself. And the rules about the whole log of a cluster (`audit-silence`, `plaintext-ingest`) run on
// `pace` copies, one per minute of each batch, all on the cluster's own partition.
//
// The ordering rule: a change applies, on each partition, to the events after its copy there, which is the
// order ingest wrote them in (the order of the kube-apiserver's batches). So what an analyzer decides about
// an event depends only on the partition's content, never on which instance reads it or how many there
// are: N analyzers decide exactly as one does.

const rbacGroup = 'rbac.authorization.k8s.io';
const writes = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const webhookResources = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);

/**
 * Whether every partition needs a copy of this event: a write the RBAC model learns from, or one a `cluster`
 * rule keeps state about (container-injected, pod-security-weakened, admission-control-modified,
 * csr-self-approved). Cheap, on the event as received, and generous: a copy the rules find nothing in costs
 * only its bytes, while a missing one would make partitions disagree (a test holds the rules to it).
 */
export function sharedStateEvent(event: Pick<AuditEvent, 'verb' | 'objectRef' | 'stage' | 'requestURI' | 'requestObject' | 'responseObject' | 'responseStatus'>): boolean {
  const ref = event.objectRef;
  const resource = ref?.resource;
  const verb = event.verb ?? '';
  if (resource === undefined || resource === null || !writes.has(verb)) return false;
  const group = ref?.apiGroup ?? '';
  if (group === rbacGroup) return auditWriteOf(event) !== null;
  if (resource === 'certificatesigningrequests') return verb === 'create';
  if (webhookResources.has(resource)) return true;
  if (resource === 'namespaces') return group === '' && verb !== 'deletecollection';
  return workloadResources.has(resource) && verb !== 'delete' && verb !== 'deletecollection';
}

/** The minute (ms since the epoch) an event time falls in: pace copies stand for one minute of a batch. */
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;
