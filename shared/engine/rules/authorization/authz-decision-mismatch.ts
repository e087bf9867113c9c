import { authorizationRule, otherAuthorizers } from './helpers.js';

export const authzDecisionMismatch = authorizationRule({ id: 'authz-decision-mismatch', title: "API server's authorization decision differs from RBAC", severity: 'high', mitre: ['T1078', 'T1098'] }, ({ record }) => {
  if (record.rbacVerdict === null || record.decision === null) return undefined;
  if (otherAuthorizers.has(record.authorizer) || record.identityKind === 'node') return undefined;
  const recordedAllow = record.decision === 'allow';
  const rbacAllow = record.rbacVerdict === 'allow';
  if (recordedAllow === rbacAllow) return undefined;
  const what = `${record.derivedVerb} ${record.resource ?? record.path}${record.namespace ? ` in ${record.namespace}` : ''}`;
  return {
    summary: recordedAllow
      ? `The API server allowed ${record.impersonatedUser ?? record.user} to ${what}, which RBAC as kaudit knows it denies.`
      : `The API server denied ${record.impersonatedUser ?? record.user} to ${what}, which RBAC as kaudit knows it allows (${record.rbacVerdictBinding ?? ''}).`,
    evidence: {
      decision: record.decision,
      decisionReason: record.decisionReason,
      authorizer: record.authorizer,
      rbacVerdict: record.rbacVerdict,
      rbacVerdictBinding: record.rbacVerdictBinding,
      user: record.impersonatedUser ?? record.user,
      verb: record.derivedVerb,
      resource: record.resource,
      subresource: record.subresource,
      namespace: record.namespace,
      name: record.name,
      path: record.path,
    },
  };
});
