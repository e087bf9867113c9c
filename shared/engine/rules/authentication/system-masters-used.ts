import { authenticationRule, mastersGroup } from './helpers.js';

export const systemMastersUsed = authenticationRule({ id: 'system-masters-used', title: 'Request authenticated as system:masters', severity: 'medium', mitre: ['T1078'] }, ({ record, settings }) => {
  if (!record.groups.includes(mastersGroup)) return undefined;
  // The API server's own loopback client (system:apiserver) is in system:masters by construction.
  if (record.identityKind === 'controlplane' || settings.breakGlassIdentities.includes(record.user)) return undefined;
  // One finding per request: the finding id is per (rule, cluster, auditID), so the stages of one request
  // (RequestReceived, ResponseStarted, ResponseComplete) collapse into one.
  return {
    summary: `${record.user} used a system:masters credential, which bypasses authorization and cannot be revoked through RBAC.`,
    evidence: {
      user: record.user,
      groups: record.groups,
      credentialKind: record.credentialKind,
      impersonatedUser: record.impersonatedUser,
      clientIp: record.clientIp,
    },
  };
});
