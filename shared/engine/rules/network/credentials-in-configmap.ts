import { inApiGroup, isObj, writtenObject } from '../objects.js';
import { networkRule, did, objectWrite, objectName, credentialMatches } from './helpers.js';

export const credentialsInConfigmap = networkRule({ id: 'credentials-in-configmap', title: 'Credentials stored in a ConfigMap', severity: 'medium', mitre: ['T1552.007', 'T1552.001'] }, ({ record, event }) => {
  if (!objectWrite(record, 'configmaps') || !inApiGroup(record, '')) return undefined;
  const obj = writtenObject(event);
  const data = obj?.data;
  if (!isObj(data)) return undefined;
  const matches = credentialMatches(data);
  if (matches.length === 0) return undefined;
  const name = objectName(record, obj);
  return {
    summary: `${record.user} ${did(record)} ConfigMap ${name} holding credential-like data under ${matches.map((m) => m.key).join(', ')}.`,
    evidence: { user: record.user, verb: record.verb, configMap: name, matches },
  };
});
