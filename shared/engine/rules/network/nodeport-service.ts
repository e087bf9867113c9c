import { inApiGroup, arr, field, str, writtenObject } from '../objects.js';
import { networkRule, did, objectWrite, objectName } from './helpers.js';

/**
 * Decision: NodePort only. A LoadBalancer Service opens node ports too (unless
 * allocateLoadBalancerNodePorts is false), but there the load balancer is the intended exposure, and
 * flagging every LoadBalancer would make the rule about Services in general.
 */
export const nodePortService = networkRule({ id: 'nodeport-service', title: 'NodePort Service created or changed', severity: 'medium', mitre: ['T1133'] }, ({ record, event }) => {
  if (!objectWrite(record, 'services') || !inApiGroup(record, '')) return undefined;
  const obj = writtenObject(event);
  if (str(field(obj, 'spec', 'type')) !== 'NodePort') return undefined;
  const nodePorts = arr(field(obj, 'spec', 'ports')).flatMap((p) => {
    const n = field(p, 'nodePort');
    return typeof n === 'number' ? [n] : [];
  });
  const name = objectName(record, obj);
  return {
    summary: `${record.user} ${did(record)} Service ${name} of type NodePort${nodePorts.length > 0 ? ` (node ports ${nodePorts.join(', ')})` : ''}, exposing it on every node.`,
    evidence: { user: record.user, verb: record.verb, service: name, type: 'NodePort', nodePorts },
  };
});
