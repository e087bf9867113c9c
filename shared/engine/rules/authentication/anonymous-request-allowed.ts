import { authenticationRule, isPublicPath, isAnonymous, wasAllowed } from './helpers.js';

export const anonymousRequestAllowed = authenticationRule({ id: 'anonymous-request-allowed', title: 'Anonymous request allowed', severity: 'high', mitre: ['T1078.001'] }, ({ record, settings }) => {
  if (!isAnonymous(record) || !wasAllowed(record)) return undefined;
  // Health and version endpoints are open to anonymous callers by design (system:public-info-viewer).
  if (isPublicPath(record.requestUri, settings.publicPaths)) return undefined;
  return {
    summary: `An unauthenticated caller (${record.user}) was allowed to ${record.verb} ${record.requestUri}.`,
    evidence: {
      user: record.user,
      groups: record.groups,
      verb: record.verb,
      requestUri: record.requestUri,
      decision: record.decision,
      responseCode: record.responseCode,
      clientIp: record.clientIp,
    },
  };
});
