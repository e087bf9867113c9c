import { inApiGroup, field, str, strings, succeeded } from '../objects.js';
import { authenticationRule, anonymousUser, unauthenticatedGroup, isAnonymous, wasAllowed, kubeletSubresources, kubeletReadOnlyPort, nodePrefix, rejectedByApiServer, kubeletSar } from './helpers.js';

export const anonymousKubeletAccess = authenticationRule({ id: 'anonymous-kubelet-access', title: 'Anonymous access to a kubelet', severity: 'critical', mitre: ['T1078.001', 'T1613', 'T1609'] }, ({ record, event }) => {
  if (record.resource === 'nodes') {
    const proxying = record.derivedVerb === 'proxy' || record.subresource === 'proxy';
    const nodeName = record.name ?? '';
    if (proxying && nodeName.split(':').at(-1) === kubeletReadOnlyPort && !rejectedByApiServer(record)) {
      return {
        summary: `${record.user} proxied through the API server to the unauthenticated kubelet read-only port on ${nodeName.split(':')[0] ?? nodeName}.`,
        evidence: {
          via: 'kubelet-read-only-port',
          user: record.user,
          node: nodeName,
          requestUri: record.requestUri,
          decision: record.decision,
          responseCode: record.responseCode,
        },
      };
    }
    const kubeletApi = record.derivedVerb === 'proxy' || (record.subresource !== null && kubeletSubresources.has(record.subresource));
    if (kubeletApi && isAnonymous(record) && wasAllowed(record)) {
      return {
        summary: `An unauthenticated caller (${record.user}) was allowed to reach the kubelet API of node ${nodeName} (${record.subresource ?? record.derivedVerb}).`,
        evidence: {
          via: 'node-subresource',
          user: record.user,
          groups: record.groups,
          node: nodeName,
          subresource: record.subresource,
          requestUri: record.requestUri,
          decision: record.decision,
          responseCode: record.responseCode,
          clientIp: record.clientIp,
        },
      };
    }
    return undefined;
  }
  if (record.resource !== 'subjectaccessreviews' || record.identityKind !== 'node' || !record.user.startsWith(nodePrefix)) return undefined;
  if (record.derivedVerb !== 'create' || !inApiGroup(record, 'authorization.k8s.io') || !succeeded(record)) return undefined;
  const sar = kubeletSar(event);
  if (!sar) return undefined;
  const subject = str(sar.spec.user) ?? null;
  const groups = strings(sar.spec.groups);
  if (subject !== anonymousUser && !groups.includes(unauthenticatedGroup)) return undefined;
  if (sar.allowed === false) return undefined;
  const attributes = field(sar.spec, 'resourceAttributes') ?? field(sar.spec, 'nonResourceAttributes') ?? null;
  return {
    summary:
      sar.allowed === true
        ? `Kubelet ${record.nodeName ?? record.user} was told an unauthenticated caller (${subject ?? unauthenticatedGroup}) may use its API.`
        : `Kubelet ${record.nodeName ?? record.user} asked whether an unauthenticated caller (${subject ?? unauthenticatedGroup}) may use its API; the answer was not recorded.`,
    evidence: {
      via: 'kubelet-subjectaccessreview',
      node: record.nodeName,
      sarUser: subject,
      sarGroups: groups,
      attributes,
      allowed: sar.allowed,
    },
  };
});
