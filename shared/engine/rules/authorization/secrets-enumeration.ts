import { inApiGroup, succeeded } from '../objects.js';
import { authorizationRule, singleObjectSelector } from './helpers.js';

/**
 * A client-go informer: its first list asks for `resourceVersion=0` (the watch cache), its watches for
 * bookmarks. Controllers (cert-manager, kube-state-metrics, operators) read Secrets so; kubectl does not.
 */
function informerRequest(uri: string): boolean {
  const q = new URLSearchParams(uri.split('?')[1] ?? '');
  return q.get('resourceVersion') === '0' || q.get('allowWatchBookmarks') === 'true';
}

/** Secrets listed or watched across namespaces or in kube-system: high, medium for a service account's informer. */
export const secretsEnumeration = authorizationRule({ id: 'secrets-enumeration', title: 'Secrets listed cluster-wide or in kube-system', severity: 'high', mitre: ['T1552.007', 'T1613'] }, ({ record }) => {
  if (record.resource !== 'secrets' || record.subresource !== null) return undefined;
  if (record.derivedVerb !== 'list' && record.derivedVerb !== 'watch') return undefined;
  if (record.namespace !== null && record.namespace !== 'kube-system') return undefined;
  if (!succeeded(record) || record.identityKind === 'controlplane' || !inApiGroup(record, '')) return undefined;
  if (singleObjectSelector(record.requestUri)) return undefined;
  const where = record.namespace === null ? 'in all namespaces' : 'in kube-system';
  const informer = record.identityKind === 'serviceaccount' && informerRequest(record.requestUri);
  return {
    summary: `${record.user} ${record.derivedVerb === 'watch' ? 'watched' : 'listed'} Secrets ${where}${informer ? ', as a controller’s informer does' : ''}.`,
    ...(informer ? { lower: 'medium' as const } : {}),
    evidence: {
      user: record.user,
      verb: record.derivedVerb,
      namespace: record.namespace,
      requestUri: record.requestUri,
      identityKind: record.identityKind,
      userAgent: record.userAgent,
      ...(informer ? { informer } : {}),
    },
  };
});
