import { arr, field, isObj, str, writtenObject } from '../objects.js';
import { networkRule, did, objectWrite, storedObject, objectName, isNetworkingGroup } from './helpers.js';

export const ingressWithoutTls = networkRule({ id: 'ingress-without-tls', title: 'Ingress without TLS', severity: 'medium', mitre: ['T1040', 'T1557'] }, ({ record, event }) => {
  if (!objectWrite(record, 'ingresses') || !isNetworkingGroup(record)) return undefined;
  const stored = storedObject(record, event);
  const patch = stored ? undefined : writtenObject(event);
  // A patch without the stored result counts only when it removes TLS itself (`tls: null` or `[]`).
  const spec = field(stored ?? patch, 'spec');
  if (!isObj(spec) || (patch && !('tls' in spec))) return undefined;
  if (arr(spec.tls).length > 0) return undefined;
  const hosts = arr(spec.rules).flatMap((r) => {
    const host = str(field(r, 'host'));
    return host ? [host] : [];
  });
  const ingressClass =
    str(spec.ingressClassName) ?? str(field(stored ?? patch, 'metadata', 'annotations', 'kubernetes.io/ingress.class')) ?? null;
  const name = objectName(record, stored ?? patch);
  return {
    summary: `${record.user} ${did(record)} Ingress ${name} without TLS${hosts.length > 0 ? `, serving ${hosts.join(', ')} over plain HTTP` : ''}.`,
    evidence: { user: record.user, verb: record.verb, ingress: name, hosts, ingressClass, tls: false },
  };
});
