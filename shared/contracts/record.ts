import { z } from 'zod';
import { fastParser } from './fast-parse.js';
import { int32 } from './int32.js';
import { rfc3339Time } from './time.js';

// The normalized record: what the engine derives from one audit event (README "What kaudit derives for each request"). Field names are the
// contract; the store's columns are the same names in snake_case.
export const decisions = ['allow', 'forbid'] as const;

export const identityKinds = ['anonymous', 'node', 'serviceaccount', 'controlplane', 'bootstrap', 'user'] as const;
export const credentialKinds = ['x509', 'sa-bound-token', 'sa-legacy-token', 'bootstrap-token', 'oidc-or-token', 'anonymous', 'unknown'] as const;
export const authorizers = ['rbac', 'node', 'webhook', 'abac', 'always-allow', 'unknown'] as const;
export const rbacVerdicts = ['allow', 'deny'] as const;

export const recordSchema = z.object({
  cluster: z.string(),
  auditId: z.string(),
  stage: z.string(),
  eventDigest: z.string().describe('hash of the event as received: tells apart two events of one request and stage (kube-apiserver and an aggregated API server), while a retried batch repeats it'),
  level: z.string().nullable(),
  eventTime: rfc3339Time,
  eventTimeInferred: z.boolean().describe('the event carries no usable time: eventTime is the receive time (replay: the time of the events beside it)'),
  claimedEventTime: rfc3339Time.nullable().describe("the event's own time when it lay more than 5 minutes after its receipt: eventTime is then the receive time"),
  invalidTimestamps: z.array(z.string()).describe("the event's time fields whose value is no real time (e.g. 2026-02-30T00:00:00Z)"),
  receivedAt: rfc3339Time,
  // What was asked: the recorded verb, and the attributes re-derived from requestURI + HTTP semantics.
  verb: z.string().describe('the verb the API server recorded'),
  requestUri: z.string(),
  derivedVerb: z.string().describe('the verb re-derived from requestURI and the HTTP method, as RequestInfo does'),
  isResourceRequest: z.boolean(),
  apiGroup: z.string().nullable(),
  apiVersion: z.string().nullable(),
  namespace: z.string().nullable(),
  resource: z.string().nullable(),
  subresource: z.string().nullable(),
  name: z.string().nullable(),
  path: z.string(),
  attributeMismatches: z.array(z.string()).describe('recorded verb/objectRef fields that disagree with the re-derived ones'),
  // Who, and with which credential.
  user: z.string(),
  userUid: z.string().nullable(),
  groups: z.array(z.string()),
  extra: z.record(z.string(), z.array(z.string())),
  identityKind: z.enum(identityKinds),
  serviceAccount: z.object({ namespace: z.string(), name: z.string() }).nullable(),
  nodeName: z.string().nullable(),
  pod: z.object({ name: z.string(), uid: z.string().nullable() }).nullable(),
  credentialKind: z.enum(credentialKinds),
  credentialId: z.string().nullable(),
  impersonatedUser: z.string().nullable(),
  impersonatedGroups: z.array(z.string()),
  sourceIps: z.array(z.string()),
  clientIp: z.string().nullable().describe('the last source IP: the only one the client cannot forge'),
  userAgent: z.string().nullable(),
  userAgentProduct: z.string().nullable(),
  // Which authorizer allowed it, and would RBAC as kaudit knows it agree.
  responseCode: int32.nullable(),
  decision: z.enum(decisions).nullable(),
  decisionReason: z.string().nullable(),
  authorizer: z.enum(authorizers),
  grantingBinding: z.string().nullable().describe('the binding the RBAC reason names, e.g. ClusterRoleBinding/cluster-admin'),
  grantingRole: z.string().nullable(),
  rbacVerdict: z.enum(rbacVerdicts).nullable().describe("kaudit's own RBAC evaluation; null when it knows too little"),
  rbacVerdictBinding: z.string().nullable(),
  rbacVerdictNote: z.string().nullable().describe('why the verdict is null'),
  transportTls: z.boolean(),
  annotations: z.record(z.string(), z.string()),
});
export type NormalizedRecord = z.infer<typeof recordSchema>;

// A record on the `records` topic carries the raw event too, so the store can serve it to analysts.
export const recordMessageSchema = z.object({
  record: recordSchema,
  event: z.record(z.string(), z.unknown()),
});
export type RecordMessage = z.infer<typeof recordMessageSchema>;
/** `recordMessageSchema.safeParse`, without copying valid messages (see fastParser). */
export const recordMessageParser = fastParser(recordMessageSchema);
