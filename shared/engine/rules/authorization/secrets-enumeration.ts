import { inApiGroup, succeeded } from '../objects.js';
import { authorizationRule, singleObjectSelector } from './helpers.js';

export const secretsEnumeration = authorizationRule({ id: 'secrets-enumeration', title: 'Secrets listed cluster-wide or in kube-system', severity: 'high', mitre: ['T1552.007', 'T1613'] }, ({ record }) => {
  if (record.resource !== 'secrets' || record.subresource !== null) return undefined;
  if (record.derivedVerb !== 'list' && record.derivedVerb !== 'watch') return undefined;
  if (record.namespace !== null && record.namespace !== 'kube-system') return undefined;
  if (!succeeded(record) || record.identityKind === 'controlplane' || !inApiGroup(record, '')) return undefined;
  if (singleObjectSelector(record.requestUri)) return undefined;
  const where = record.namespace === null ? 'in all namespaces' : 'in kube-system';
  return {
    summary: `${record.user} ${record.derivedVerb === 'watch' ? 'watched' : 'listed'} Secrets ${where}.`,
    evidence: {
      user: record.user,
      verb: record.derivedVerb,
      namespace: record.namespace,
      requestUri: record.requestUri,
      identityKind: record.identityKind,
      userAgent: record.userAgent,
    },
  };
});
