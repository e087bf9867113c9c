import { rejected } from '../objects.js';
import { authenticationRule } from './helpers.js';

/** How many client products (and decisions) an identity's baseline keeps. */
const keep = 32;
const reviews = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);

/**
 * First-seen state per identity (as token-reuse-from-new-ip keeps per credential): the client products
 * (`userAgentProduct`: kubectl, helm, a controller's binary, curl) and the decisions (allowed, refused) it has
 * shown. An identity's first request sets its baseline; a later request from a client it never used, or the
 * first refusal of an identity that was always allowed, is reported: low, medium when that request reads
 * Secrets, is refused, or asks what the identity may do (a self-subject review: the first step after stealing
 * a token). Control-plane components and nodes are not followed (their clients are fixed), nor anonymous
 * callers (everyone without a credential).
 */
export const newClientForIdentity = authenticationRule({ id: 'new-client-for-identity', title: 'Identity seen with a new client or decision', severity: 'low', mitre: ['T1078', 'T1550.001'] }, ({ record, state }) => {
  // anonymous is everyone without a credential (health checkers, scanners): anonymous-request-allowed and
  // anonymous-scan judge it
  if (record.identityKind === 'controlplane' || record.identityKind === 'node' || record.identityKind === 'anonymous' || record.userAgentProduct === null) return undefined;
  const decision = rejected(record) ? 'forbid' : 'allow';
  const key = `new-client-for-identity|${record.cluster}|${record.user}`;
  const s = state.get<{ clients: string[]; decisions: string[] }>(key);
  const client = record.userAgentProduct;
  if (!s) {
    state.set(key, { clients: [client], decisions: [decision] });
    return undefined;
  }
  const newClient = !s.clients.includes(client);
  const unseenDecision = !s.decisions.includes(decision);
  if (newClient || unseenDecision) state.set(key, { clients: newClient ? [...s.clients, client].slice(-keep) : s.clients, decisions: unseenDecision ? [...s.decisions, decision] : s.decisions });
  // the first allow of an identity first seen refused is learned, not reported
  const newDecision = unseenDecision && decision === 'forbid';
  if (!newClient && !newDecision) return undefined;
  const sensitive = record.resource === 'secrets' || decision === 'forbid' || (record.resource !== null && reviews.has(record.resource));
  const what = [newClient ? `the client ${client} (known: ${s.clients.join(', ')})` : '', newDecision ? 'its first refusal' : ''].filter((x) => x !== '').join(' and ');
  return {
    ...(sensitive ? { raise: 'medium' as const } : {}),
    summary: `${record.user} made ${record.derivedVerb} ${record.resource ?? record.path} with ${what}.`,
    evidence: { user: record.user, client, userAgent: record.userAgent, knownClients: s.clients, decision, newClient, newDecision, resource: record.resource, clientIp: record.clientIp },
  };
});
