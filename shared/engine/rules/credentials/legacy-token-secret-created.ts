import { field, str, succeeded, writtenObject } from '../objects.js';
import { credentialsRule, saTokenSecretType } from './helpers.js';

export const legacyTokenSecretCreated = credentialsRule({ id: 'legacy-token-secret-created', title: 'Long-lived service account token Secret created', severity: 'medium', mitre: ['T1098.001', 'T1528'] }, ({ record, event }) => {
  if (record.resource !== 'secrets' || record.subresource !== null || record.derivedVerb !== 'create') return undefined;
  if (!succeeded(record) || record.identityKind === 'controlplane') return undefined;
  const secret = writtenObject(event);
  if (str(secret?.type) !== saTokenSecretType) return undefined;
  const serviceAccount = str(field(secret, 'metadata', 'annotations', 'kubernetes.io/service-account.name')) ?? null;
  const name = record.name ?? str(field(secret, 'metadata', 'name')) ?? null;
  return {
    summary: `${record.user} created a long-lived token Secret ${record.namespace ?? ''}/${name ?? ''} for service account ${serviceAccount ?? '(unknown)'}.`,
    evidence: { type: saTokenSecretType, namespace: record.namespace, name, serviceAccount, user: record.user },
  };
});
