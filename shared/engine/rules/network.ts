import type { NormalizedRecord } from '#shared/contracts';
import type { Rule } from './types.js';

const kubeletReadOnlyPort = '10255';
// Proxy paths, current (`…/services/<name>/proxy`) and deprecated (`/api/v1/proxy/…`).
const proxyPath =
  /^\/api\/v1\/(?:proxy\/)?(?:namespaces\/[^/]+\/)?(services|pods|nodes)\/([^/?]+)(?:\/proxy)?(?:[/?]|$)/;

interface ProxyTarget {
  resource: string;
  name: string;
}

function proxyTarget(record: NormalizedRecord): ProxyTarget | undefined {
  if (record.subresource === 'proxy' && record.resource && record.name) {
    return { resource: record.resource, name: record.name };
  }
  const isProxy = /\/proxy(\/|\?|$)/.test(record.requestUri);
  const m = isProxy ? proxyPath.exec(record.requestUri) : null;
  if (!m?.[1] || !m[2]) return undefined;
  return { resource: m[1], name: decodeURIComponent(m[2]) };
}

export const plaintextProxy: Rule = {
  id: 'plaintext-proxy',
  title: 'API server proxy over plain HTTP',
  severity: 'medium',
  category: 'network',
  mitre: ['T1557', 'T1040'],
  evaluate({ record }) {
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
  },
};

export const networkRules: Rule[] = [plaintextProxy];
