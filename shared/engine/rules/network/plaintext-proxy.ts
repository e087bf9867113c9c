import { networkRule, kubeletReadOnlyPort, proxyTarget } from './helpers.js';

export const plaintextProxy = networkRule({ id: 'plaintext-proxy', title: 'API server proxy over plain HTTP', severity: 'medium', mitre: ['T1557', 'T1040'] }, ({ record }) => {
  const target = proxyTarget(record);
  if (!target) return undefined;
  // `<scheme>:<name>:<port>`: an explicit http scheme, or the kubelet's unauthenticated read-only port.
  const parts = target.name.split(':');
  const httpScheme = (target.resource === 'services' || target.resource === 'pods') && parts[0] === 'http';
  const readOnlyKubelet = target.resource === 'nodes' && parts.at(-1) === kubeletReadOnlyPort;
  if (!httpScheme && !readOnlyKubelet) return undefined;
  return {
    summary: readOnlyKubelet
      ? `${record.user} proxied through the API server to the kubelet read-only port on ${parts[0] ?? ''}.`
      : `${record.user} proxied through the API server to ${target.resource}/${target.name} over plain HTTP.`,
    evidence: {
      resource: target.resource,
      target: target.name,
      reason: readOnlyKubelet ? 'kubelet-read-only-port' : 'http-scheme',
      requestUri: record.requestUri,
    },
  };
});
