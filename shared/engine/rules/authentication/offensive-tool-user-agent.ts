import { authenticationRule } from './helpers.js';

// Attack and audit tools that name themselves in the User-Agent header (their defaults): rakkess
// (access_matrix), TruffleHog, AzureHound, Aqua's micro-scanner, kube-hunter, Peirates, KubiScan, kubeletctl,
// kdigger, CDK, and Kali Linux builds of any client.
export const offensiveTools: readonly { tool: string; pattern: RegExp }[] = [
  { tool: 'rakkess', pattern: /access_matrix/i },
  { tool: 'trufflehog', pattern: /trufflehog/i },
  { tool: 'azurehound', pattern: /azurehound/i },
  { tool: 'micro-scanner', pattern: /micro-scanner/i },
  { tool: 'kube-hunter', pattern: /kube-hunter/i },
  { tool: 'peirates', pattern: /peirates/i },
  { tool: 'kubiscan', pattern: /kubiscan/i },
  { tool: 'kubeletctl', pattern: /kubeletctl/i },
  { tool: 'kdigger', pattern: /kdigger/i },
  { tool: 'cdk', pattern: /^cdk\//i },
  { tool: 'kali', pattern: /kali/i },
];

/** Any of them, tested once per request (this runs on every request with a user agent). */
const anyTool = new RegExp(offensiveTools.map((t) => `(?:${t.pattern.source})`).join('|'), 'i');

/**
 * A request from a known attack or enumeration tool (by its own User-Agent), allowed or not: a user agent is
 * the client’s to choose, so its absence proves nothing, but its presence is an attacker who did not bother
 * to hide, or a penetration test the SOC should know about.
 */
export const offensiveToolUserAgent = authenticationRule({ id: 'offensive-tool-user-agent', title: 'Request from an attack or enumeration tool', severity: 'high', mitre: ['T1613', 'T1046'] }, ({ record }) => {
  if (record.userAgent === null) return undefined;
  const ua = record.userAgent;
  if (!anyTool.test(ua)) return undefined;
  const found = offensiveTools.filter((t) => t.pattern.test(ua)).map((t) => t.tool);
  if (found.length === 0) return undefined;
  return {
    summary: `${record.user || '(no user)'} sent ${record.derivedVerb} ${record.requestUri || record.path} with the user agent of ${found.join(', ')} ("${ua}").`,
    evidence: { user: record.user, tools: found, userAgent: ua, clientIp: record.clientIp, decision: record.decision, responseCode: record.responseCode },
  };
});
