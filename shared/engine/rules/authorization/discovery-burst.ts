import { minute, t } from '../state-helpers.js';
import { rejected } from '../objects.js';
import { authorizationRule } from './helpers.js';

// What reconnaissance of a cluster's layout and access reads (Elastic's list): where things run, who may do
// what, and what they are configured with.
export const layoutKinds = new Set(['namespaces', 'nodes', 'pods', 'roles', 'configmaps', 'serviceaccounts', 'clusterroles', 'clusterrolebindings', 'rolebindings', 'secrets']);

/**
 * One identity reading many kinds of the cluster's layout (`discoveryKinds` distinct kinds of namespaces,
 * nodes, pods, roles and bindings, ConfigMaps, service accounts, Secrets, default 5) within one minute:
 * someone mapping the cluster. Control-plane components, nodes and kube-system's controllers list everything
 * at start and are not counted; nor is a service account's informer (client-go lists at resourceVersion=0).
 * The one-minute window lives in the engine's memory, not its persisted state: a read is too common an event
 * to cost a state write each, and a restart loses at most a minute of counting.
 */
export const discoveryBurst = authorizationRule({ id: 'discovery-burst', title: 'Many kinds of cluster objects read in a minute', severity: 'medium', mitre: ['T1613', 'T1069.003'] }, ({ record, memory, settings }) => {
  if (record.resource === null || !layoutKinds.has(record.resource) || record.subresource !== null) return undefined;
  if (record.derivedVerb !== 'get' && record.derivedVerb !== 'list') return undefined;
  if (record.identityKind === 'controlplane' || record.identityKind === 'node' || record.serviceAccount?.namespace === 'kube-system') return undefined;
  if (record.serviceAccount !== null && record.requestUri.includes('resourceVersion=0')) return undefined;
  const key = `discovery-burst|${record.cluster}|${record.user}`;
  const now = t(record);
  const s = memory.get<{ kinds: [string, number][]; reportedAt: number | null }>(key) ?? { kinds: [], reportedAt: null };
  const kinds = new Map(s.kinds.filter(([, at]) => at > now - minute && at <= now));
  kinds.delete(record.resource);
  kinds.set(record.resource, now);
  const reported = s.reportedAt !== null && s.reportedAt > now - minute;
  const fire = !reported && kinds.size >= settings.discoveryKindsThreshold;
  memory.set(key, { kinds: [...kinds], reportedAt: fire ? now : s.reportedAt });
  if (!fire) return undefined;
  const read = [...kinds.keys()];
  return {
    summary: `${record.user} read ${String(read.length)} kinds of cluster objects within a minute (${read.join(', ')}).`,
    evidence: { user: record.user, kinds: read, windowSeconds: 60, clientIp: record.clientIp, userAgent: record.userAgent, refusedLast: rejected(record) },
  };
});
