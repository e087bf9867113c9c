import { arr, field, isObj, isWrite, succeeded, writtenObject } from '../objects.js';
import { networkRule, did, objectName, isNetworkingGroup, emptySelector, allowsAll } from './helpers.js';

export const networkPolicyRemoved = networkRule({ id: 'network-policy-removed', title: 'NetworkPolicy deleted or opened to all traffic', severity: 'medium', mitre: ['T1562.004'] }, ({ record, event }) => {
  if (record.resource !== 'networkpolicies' || record.subresource !== null || !isNetworkingGroup(record)) return undefined;
  // The namespace controller and the garbage collector delete policies with their namespace or owner.
  if (!succeeded(record) || record.identityKind === 'controlplane') return undefined;
  const where = record.namespace ? ` in namespace ${record.namespace}` : '';
  if (record.derivedVerb === 'delete' || record.derivedVerb === 'deletecollection') {
    return {
      summary:
        record.derivedVerb === 'delete'
          ? `${record.user} deleted NetworkPolicy ${objectName(record, undefined)}.`
          : `${record.user} deleted a collection of NetworkPolicies${where}.`,
      evidence: { user: record.user, verb: record.derivedVerb, namespace: record.namespace, name: record.name },
    };
  }
  if (!isWrite(record)) return undefined;
  const obj = writtenObject(event);
  const spec = field(obj, 'spec');
  if (!isObj(spec) || !emptySelector(spec.podSelector)) return undefined;
  // policyTypes defaults to Ingress, plus Egress when the policy has egress rules.
  const declared = arr(spec.policyTypes).filter((t): t is string => typeof t === 'string');
  const types = declared.length > 0 ? declared : ['Ingress', ...('egress' in spec && spec.egress != null ? ['Egress'] : [])];
  const open: string[] = [];
  if (types.includes('Ingress') && allowsAll(spec.ingress, 'from')) open.push('Ingress');
  if (types.includes('Egress') && allowsAll(spec.egress, 'to')) open.push('Egress');
  if (open.length === 0) return undefined;
  const name = objectName(record, obj);
  return {
    summary: `${record.user} ${did(record)} NetworkPolicy ${name}, which allows all ${open.join(' and ').toLowerCase()} traffic for every pod${where}.`,
    evidence: { user: record.user, verb: record.verb, networkPolicy: name, podSelector: {}, allowAll: open },
  };
});
