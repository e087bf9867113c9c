import { isSystemIdentity, pastTense, succeeded } from '../objects.js';
import { credentialsRule } from './helpers.js';

const changes = new Set(['update', 'patch', 'delete', 'deletecollection']);

/**
 * A Secret changed or deleted by a person or a workload: medium; low for Helm's release records
 * (`sh.helm.release.v1.*`, which every `helm upgrade` and `helm uninstall` writes) and for a service account
 * updating a Secret of its own namespace (an operator reconciling what it manages). Replacing a credential
 * (a TLS key, a registry secret, a token) redirects whoever uses it; deleting one breaks them. Creations are
 * not reported (credentials-in-configmap and legacy-token-secret-created judge what a new Secret holds), nor
 * the control plane's own writes (the token controller, kube-system's controllers).
 */
export const secretModified = credentialsRule({ id: 'secret-modified', title: 'Secret changed or deleted', severity: 'medium', mitre: ['T1485', 'T1098'] }, ({ record }) => {
  if (record.resource !== 'secrets' || record.subresource !== null || (record.apiGroup ?? '') !== '') return undefined;
  if (!changes.has(record.derivedVerb) || !succeeded(record) || isSystemIdentity(record)) return undefined;
  const helm = record.name?.startsWith('sh.helm.release.v1.') ?? false;
  // an operator reconciling the Secrets of its own namespace (prometheus-operator rewrites its configuration
  // Secrets on every change, cert-manager its certificates)
  const reconcile = record.serviceAccount !== null && record.serviceAccount.namespace === record.namespace && (record.derivedVerb === 'update' || record.derivedVerb === 'patch');
  const what = record.name === null ? `the Secrets of ${record.namespace ?? 'every namespace'}` : `Secret ${record.namespace ?? ''}/${record.name}`;
  return {
    ...(helm || reconcile ? { lower: 'low' as const } : {}),
    summary: `${record.user} ${pastTense[record.derivedVerb] ?? record.derivedVerb} ${what}.`,
    evidence: { user: record.user, verb: record.derivedVerb, namespace: record.namespace, name: record.name, ...(helm ? { helmRelease: true } : {}) },
  };
});
