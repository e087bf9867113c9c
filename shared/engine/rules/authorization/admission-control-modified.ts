import { inApiGroup, isSystemIdentity, succeeded } from '../objects.js';
import { authorizationRule, ADMISSION_GROUP, admissionResources, admissionChanges, pastTense } from './helpers.js';

/**
 * An admission webhook or policy created, changed or deleted: high; medium when a service account updates one
 * that exists (cert-manager's cainjector, Gatekeeper and ingress-nginx's patch job write the CA bundle so).
 */
export const admissionControlModified = authorizationRule({ id: 'admission-control-modified', title: 'Admission webhook or policy created, changed or deleted', severity: 'high', mitre: ['T1562.001', 'T1610'] }, ({ record }) => {
  if (record.resource === null || !admissionResources.has(record.resource)) return undefined;
  // Status writes (the policy status controller) change nothing the admission chain does.
  if (record.subresource !== null || !admissionChanges.has(record.derivedVerb)) return undefined;
  if (!succeeded(record) || !inApiGroup(record, ADMISSION_GROUP) || isSystemIdentity(record)) return undefined;
  const target = record.name === null ? `all ${record.resource}` : `${record.resource}/${record.name}`;
  const controllerUpdate = record.identityKind === 'serviceaccount' && (record.derivedVerb === 'update' || record.derivedVerb === 'patch');
  return {
    ...(controllerUpdate ? { lower: 'medium' as const } : {}),
    summary: `${record.user} ${pastTense[record.derivedVerb] ?? record.derivedVerb} ${target}.`,
    evidence: { user: record.user, verb: record.derivedVerb, resource: record.resource, name: record.name },
  };
});
