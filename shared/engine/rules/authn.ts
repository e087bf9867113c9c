import type { NormalizedRecord } from '#shared/contracts';
import type { Rule } from './types.js';

const anonymousUser = 'system:anonymous';
const unauthenticatedGroup = 'system:unauthenticated';
// Health, version and discovery endpoints are open to anonymous callers by design.
const publicPaths = [/^\/healthz(\/|\?|$)/, /^\/livez(\/|\?|$)/, /^\/readyz(\/|\?|$)/, /^\/version\/?(\?|$)/];

export function isAnonymous(record: NormalizedRecord): boolean {
  return record.user === anonymousUser || record.groups.includes(unauthenticatedGroup);
}

/** Allowed by the authorizer; without the annotation, a non-error response code means it went through. */
export function wasAllowed(record: NormalizedRecord): boolean {
  if (record.decision !== null) return record.decision === 'allow';
  return record.responseCode !== null && record.responseCode < 400;
}

export const anonymousRequestAllowed: Rule = {
  id: 'anonymous-request-allowed',
  title: 'Anonymous request allowed',
  severity: 'high',
  category: 'authentication',
  mitre: ['T1078.001'],
  evaluate({ record }) {
    if (!isAnonymous(record) || !wasAllowed(record)) return undefined;
    if (publicPaths.some((p) => p.test(record.requestUri))) return undefined;
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
  },
};

export const authnRules: Rule[] = [anonymousRequestAllowed];
