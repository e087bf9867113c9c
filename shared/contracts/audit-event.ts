import { z } from 'zod';
import { fastParser } from './fast-parse.js';

// audit.k8s.io Event, v1 and v1beta1. Lenient on purpose: real logs omit apiVersion, stage and auditID,
// old ones carry v1beta1 `timestamp`. Unknown fields are kept (`looseObject`) so nothing is lost on the way.
const userInfo = z.looseObject({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
});
export type UserInfo = z.infer<typeof userInfo>;

const objectReference = z.looseObject({
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiGroup: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  subresource: z.string().optional(),
});

const responseStatus = z.looseObject({
  code: z.number().int().optional(),
  status: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const auditStages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;

const eventShape = z.looseObject({
  kind: z.literal('Event').optional(),
  apiVersion: z.enum(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1']).optional(),
  level: z.string().optional(),
  auditID: z.string().min(1).optional(),
  stage: z.enum(auditStages).optional(),
  requestURI: z.string().optional(),
  verb: z.string().min(1).optional(),
  user: userInfo.optional(),
  impersonatedUser: userInfo.nullish(),
  sourceIPs: z.array(z.string()).nullish(),
  userAgent: z.string().nullish(),
  objectRef: objectReference.nullish(),
  responseStatus: responseStatus.nullish(),
  requestObject: z.unknown().optional(),
  responseObject: z.unknown().optional(),
  requestReceivedTimestamp: z.string().optional(),
  stageTimestamp: z.string().optional(),
  timestamp: z.string().optional(),
  annotations: z.record(z.string(), z.string()).nullish(),
});

// Hand-trimmed and old-schema events (Panther's tests, Falco's traces) may lack any one of these fields,
// but an object with none of them is not an audit event.
const identifying = ['auditID', 'requestURI', 'verb', 'user', 'objectRef'] as const;

/** the refinement's check (exported for parsers of documents that embed an event) */
export const identifiedEvent = (e: z.infer<typeof eventShape>): boolean => identifying.some((k) => e[k] !== undefined);

export const auditEventSchema = eventShape.refine(identifiedEvent, {
  error: `none of ${identifying.join(', ')} is present`,
});
export type AuditEvent = z.infer<typeof auditEventSchema>;
/** `auditEventSchema.safeParse`, without copying valid events (see fastParser). */
export const auditEventParser = fastParser(auditEventSchema, identifiedEvent);

export const eventListSchema = z.looseObject({
  kind: z.literal('EventList'),
  apiVersion: z.string().optional(),
  items: z.array(z.unknown()).nullable(),
});
