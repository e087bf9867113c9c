import { succeeded } from '../objects.js';
import { credentialsRule, secretRead } from './helpers.js';

/**
 * A pod's service account reading Secrets of another namespace (or of every namespace): medium, high when the
 * Secrets are kube-system’s. A workload's token normally reads its own namespace; one that reaches further is
 * either an operator granted cluster-wide access (an exception in the tuning file says so once) or a stolen
 * token sweeping the cluster. Control-plane components and kube-system's controllers are not reported, nor
 * a service account acting without a pod (a CI token), which the other Secret rules judge.
 */
export const secretReadOutsideNamespace = credentialsRule({ id: 'secret-read-outside-namespace', title: 'Pod service account read Secrets outside its namespace', severity: 'medium', mitre: ['T1552.007', 'T1528'] }, ({ record }) => {
  const sa = record.serviceAccount;
  if (!secretRead(record) || !succeeded(record) || sa === null || record.pod === null) return undefined;
  if (sa.namespace === 'kube-system' || record.namespace === sa.namespace) return undefined;
  const where = record.namespace ?? 'every namespace';
  return {
    ...(record.namespace === 'kube-system' ? { raise: 'high' as const } : {}),
    summary: `Service account ${sa.namespace}/${sa.name} of pod ${record.pod.name} read ${record.name === null ? 'the Secrets' : `Secret ${record.name}`} of ${where}.`,
    evidence: { serviceAccount: `${sa.namespace}/${sa.name}`, pod: record.pod.name, verb: record.derivedVerb, namespace: record.namespace, name: record.name },
  };
});
