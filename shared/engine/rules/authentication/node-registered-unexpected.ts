import { nameMatches, rejected, succeeded } from '../objects.js';
import { authenticationRule } from './helpers.js';
import { inNetworks } from './node-networks.js';

/**
 * A Node object registered (or a registration refused) that does not look like a kubelet joining as
 * itself: a kubelet registering another node's name, an identity that is neither a kubelet nor the control
 * plane creating a Node (a fake node attracts pods and their Secrets), a name outside `expectedNodeNames`, or
 * a kubelet registering from outside `nodeNetworks` (both lists empty by default, their checks off). High;
 * medium when the API server refused it.
 */
export const nodeRegisteredUnexpected = authenticationRule({ id: 'node-registered-unexpected', title: 'Node registered from an unexpected identity, name or address', severity: 'high', mitre: ['T1078', 'T1098'] }, ({ record, settings }) => {
  if (record.resource !== 'nodes' || record.subresource !== null || (record.apiGroup ?? '') !== '' || record.derivedVerb !== 'create') return undefined;
  if (record.identityKind === 'controlplane' || record.name === null) return undefined;
  const refused = rejected(record);
  if (!refused && !succeeded(record)) return undefined;
  const name = record.name;
  const reasons: string[] = [];
  if (record.identityKind === 'node' && record.nodeName !== name) reasons.push('another-node');
  if (record.identityKind !== 'node') reasons.push('not-a-kubelet');
  if (settings.expectedNodeNames.length > 0 && !nameMatches(settings.expectedNodeNames, name)) reasons.push('name-not-expected');
  if (settings.nodeNetworks.length > 0 && record.clientIp !== null && !inNetworks(record.clientIp, settings.nodeNetworks)) reasons.push('address-not-expected');
  if (reasons.length === 0) return undefined;
  return {
    ...(refused ? { lower: 'medium' as const } : {}),
    summary: `${record.user} ${refused ? 'tried to register' : 'registered'} node ${name} from ${record.clientIp ?? 'an unknown address'} (${reasons.join(', ')}).`,
    evidence: { user: record.user, node: name, clientIp: record.clientIp, reasons, refused },
  };
});
