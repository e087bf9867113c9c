import { z } from 'zod';
import { fastParser } from './fast-parse.js';
import { int32 } from './int32.js';

// audit.k8s.io Event, v1 and v1beta1. Lenient on purpose: real logs omit apiVersion, stage and auditID,
// old ones carry v1beta1 `timestamp`. Unknown fields are kept (`looseObject`) so nothing is lost on the way.
// Whatever kube-apiserver's Go types can write is accepted: a field of a pointer or zero-able type may be
// `null` (an unset MicroTime is written `"stageTimestamp": null`), a string without omitempty may be empty
// (`"auditID": ""`, `"stage": ""`). The engine reads both as absent (see `present`).
const userInfo = z.looseObject({
  username: z.string().nullish(),
  uid: z.string().nullish(),
  groups: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
});
export type UserInfo = z.infer<typeof userInfo>;

const objectReference = z.looseObject({
  resource: z.string().nullish(),
  namespace: z.string().nullish(),
  name: z.string().nullish(),
  uid: z.string().nullish(),
  apiGroup: z.string().nullish(),
  apiVersion: z.string().nullish(),
  resourceVersion: z.string().nullish(),
  subresource: z.string().nullish(),
});

const responseStatus = z.looseObject({
  code: int32.nullish(),
  status: z.string().nullish(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
});

export const auditStages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;

const eventShape = z.looseObject({
  kind: z.literal('Event').optional(),
  apiVersion: z.enum(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1']).optional(),
  level: z.string().nullish(),
  auditID: z.string().nullish(),
  stage: z.enum([...auditStages, '']).nullish(),
  requestURI: z.string().nullish(),
  verb: z.string().nullish(),
  user: userInfo.nullish(),
  impersonatedUser: userInfo.nullish(),
  sourceIPs: z.array(z.string()).nullish(),
  userAgent: z.string().nullish(),
  objectRef: objectReference.nullish(),
  responseStatus: responseStatus.nullish(),
  requestObject: z.unknown().optional(),
  responseObject: z.unknown().optional(),
  requestReceivedTimestamp: z.string().nullish(),
  stageTimestamp: z.string().nullish(),
  timestamp: z.string().nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
});

// Hand-trimmed and old-schema events (Panther's tests, Falco's traces) may lack any one of these fields,
// but an object with none of them is not an audit event.
const identifying = ['auditID', 'requestURI', 'verb', 'user', 'objectRef'] as const;

/** the refinement's check (exported for parsers of documents that embed an event) */
export const identifiedEvent = (e: z.infer<typeof eventShape>): boolean => identifying.some((k) => e[k] !== undefined && e[k] !== null);

/** A field as the engine reads it: `null` and `""` (what Go writes for unset) are absent. */
export const present = <T>(value: T | null | undefined | ''): T | undefined => (value === null || value === '' ? undefined : value);

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
