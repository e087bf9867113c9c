import type { NormalizedRecord } from '#shared/contracts';
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

export const auditRules: Rule[] = [auditEventsDeleted];
