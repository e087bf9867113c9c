import { authorizationRule } from './helpers.js';

// The kubelet endpoints that run something or read what pods hold; metrics, health, stats and configz reads
// are what monitoring agents proxy to kubelets and are not reported.
const kubeletCommand = /\/proxy\/(?:exec|run|attach|portForward|cri)\b/;
const monitoring = /\/proxy\/(?:metrics|healthz|stats|configz|spec)\b/;

/**
 * The kubelet API reached through the API server (`nodes/proxy`) by anyone but the control plane and nodes:
 * medium; high when the path runs a command in a container (`/exec`, `/run`, `/attach`, `/portForward`),
 * since such a call passes no pods/exec authorization and the API server's audit log shows only the proxy
 * request. Monitoring reads (metrics, healthz, stats, configz) are not reported.
 */
export const nodeProxyUsed = authorizationRule({ id: 'node-proxy-used', title: 'Kubelet API used through nodes/proxy', severity: 'medium', mitre: ['T1609', 'T1613'] }, ({ record }) => {
  if (record.resource !== 'nodes' || record.subresource !== 'proxy' || (record.apiGroup ?? '') !== '') return undefined;
  if (record.identityKind === 'controlplane' || record.identityKind === 'node') return undefined;
  if (record.serviceAccount?.namespace === 'kube-system' || record.decision === 'forbid' || (record.responseCode !== null && record.responseCode === 403)) return undefined;
  const path = record.path;
  if (monitoring.test(path)) return undefined;
  const runs = kubeletCommand.test(path);
  return {
    ...(runs ? { raise: 'high' as const } : {}),
    summary: `${record.user} ${runs ? 'ran a command through' : 'called'} the kubelet of node ${record.name ?? '?'} (${record.derivedVerb} ${path}).`,
    evidence: { user: record.user, node: record.name, verb: record.derivedVerb, path, command: runs },
  };
});
