import { rejected } from '../objects.js';
import { credentialsRule, secretRead } from './helpers.js';

/**
 * A person (a user credential: not a service account, node or component) reading one Secret by name, or being
 * refused one: low, medium in a system namespace (`systemNamespaces`) or when refused. Where secret-read-burst
 * waits for many reads, this is the single read a SOC wants on record for a human: the Secret’s value is then
 * in a terminal. Lists are secrets-enumeration’s and secret-read-burst’s.
 */
export const secretReadByPerson = credentialsRule({ id: 'secret-read-by-person', title: 'Secret read by a person', severity: 'low', mitre: ['T1552.007'] }, ({ record, settings }) => {
  if (!secretRead(record) || record.derivedVerb !== 'get' || record.name === null || record.identityKind !== 'user') return undefined;
  const refused = rejected(record);
  if (!refused && record.responseCode !== null && record.responseCode >= 400) return undefined;
  const system = record.namespace !== null && settings.systemNamespaces.includes(record.namespace);
  return {
    ...(refused || system ? { raise: 'medium' as const } : {}),
    summary: `${record.user} ${refused ? 'was refused' : 'read'} Secret ${record.namespace ?? ''}/${record.name}.`,
    evidence: { user: record.user, namespace: record.namespace, name: record.name, refused, responseCode: record.responseCode },
  };
});
