import { z } from 'zod';

// The normalized record: what the engine derives from one audit event (SPEC §4). Field names are the
// contract; the store's columns are the same names in snake_case.
export const decisions = ['allow', 'forbid'] as const;

export const recordSchema = z.object({
  cluster: z.string(),
  auditId: z.string(),
  stage: z.string(),
  level: z.string().nullable(),
  eventTime: z.iso.datetime({ offset: true }),
  receivedAt: z.iso.datetime({ offset: true }),
  verb: z.string(),
  requestUri: z.string(),
  apiGroup: z.string().nullable(),
  apiVersion: z.string().nullable(),
  namespace: z.string().nullable(),
  resource: z.string().nullable(),
  subresource: z.string().nullable(),
  name: z.string().nullable(),
  user: z.string(),
  userUid: z.string().nullable(),
  groups: z.array(z.string()),
  impersonatedUser: z.string().nullable(),
  sourceIps: z.array(z.string()),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  responseCode: z.number().int().nullable(),
  decision: z.enum(decisions).nullable(),
  decisionReason: z.string().nullable(),
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
