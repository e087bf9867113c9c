import { pastTense, succeeded } from '../objects.js';
import { authenticationRule } from './helpers.js';

const changes = new Set(['update', 'patch', 'delete']);

/**
 * A ConfigMap that configures who the cluster trusts or where its names resolve (`protectedConfigMaps`:
 * EKS's `kube-system/aws-auth`, which maps IAM roles to Kubernetes users and groups; CoreDNS's and kube-dns's
 * configuration, where one rewrite sends a Service's name to an attacker) changed or deleted by anyone but the
 * control plane, the nodes and the DNS service's own account.
 */
export const clusterConfigModified = authenticationRule({ id: 'cluster-config-modified', title: 'Cluster authentication or DNS configuration changed', severity: 'high', mitre: ['T1098', 'T1556', 'T1565.002'] }, ({ record, settings }) => {
  if (record.resource !== 'configmaps' || record.subresource !== null || (record.apiGroup ?? '') !== '' || record.name === null) return undefined;
  if (!changes.has(record.derivedVerb) || !succeeded(record)) return undefined;
  const ref = `${record.namespace ?? ''}/${record.name}`;
  if (!settings.protectedConfigMaps.includes(ref)) return undefined;
  if (record.identityKind === 'controlplane' || record.identityKind === 'node') return undefined;
  const sa = record.serviceAccount;
  if (sa !== null && sa.namespace === 'kube-system' && (sa.name === 'coredns' || sa.name === 'kube-dns')) return undefined;
  return {
    summary: `${record.user} ${pastTense[record.derivedVerb] ?? record.derivedVerb} ConfigMap ${ref}.`,
    evidence: { user: record.user, verb: record.derivedVerb, configMap: ref },
  };
});
