import { workloadRule, actor, auditViolations } from './helpers.js';

export const podSecurityViolation = workloadRule({ id: 'pod-security-violation', title: 'Pod Security Standards violated', severity: 'medium', mitre: ['T1610', 'T1611'] }, ({ record }) => {
  const violations = record.annotations[auditViolations];
  if (violations === undefined) return undefined;
  // `would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (…), …`
  const m = /PodSecurity "([^"]+)":\s*([\s\S]*)$/.exec(violations);
  const policy = m?.[1] ?? null;
  const target = [record.resource, [record.namespace, record.name].filter(Boolean).join('/')].filter(Boolean).join(' ');
  return {
    summary: `${actor(record)}'s ${record.derivedVerb} of ${target || record.requestUri} violates Pod Security "${policy ?? 'unknown'}": ${m?.[2] ?? violations}.`,
    evidence: { violations, policy },
  };
});
