import { authenticationRule, bootstrapAllowed } from './helpers.js';

export const bootstrapTokenMisuse = authenticationRule({ id: 'bootstrap-token-misuse', title: 'Bootstrap token used beyond TLS bootstrapping', severity: 'high', mitre: ['T1078', 'T1552'] }, ({ record }) => {
  if (record.identityKind !== 'bootstrap' || bootstrapAllowed(record)) return undefined;
  const what = record.isResourceRequest
    ? `${record.derivedVerb} ${record.resource ?? ''}${record.subresource ? `/${record.subresource}` : ''}${record.name ? ` ${record.name}` : ''}${record.namespace ? ` in ${record.namespace}` : ''}`
    : `${record.derivedVerb} ${record.path}`;
  return {
    summary: `Bootstrap identity ${record.user} tried to ${what}, which TLS bootstrapping never needs.`,
    evidence: {
      user: record.user,
      verb: record.derivedVerb,
      apiGroup: record.apiGroup,
      resource: record.resource,
      subresource: record.subresource,
      namespace: record.namespace,
      name: record.name,
      path: record.path,
      decision: record.decision,
      responseCode: record.responseCode,
      clientIp: record.clientIp,
    },
  };
});
