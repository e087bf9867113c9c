import { z } from 'zod';
import { fastParser } from './fast-parse.js';
import { rfc3339Time } from './time.js';
import { decisions } from './record.js';
import { int32 } from './int32.js';

export const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const severitySchema = z.enum(severities);
export type Severity = z.infer<typeof severitySchema>;

/** The categories of detection rules, built-in ones in catalogue order; `custom` for rules of a tuning file. */
export const ruleCategories = ['authentication', 'credentials', 'csr', 'network', 'authorization', 'audit', 'workload', 'custom'] as const;
export type RuleCategory = (typeof ruleCategories)[number];

export function severityRank(s: Severity): number {
  return severities.indexOf(s);
}

export const findingSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  title: z.string(),
  severity: severitySchema,
  category: z.string(),
  mitre: z.array(z.string()),
  cluster: z.string(),
  auditId: z.string(),
  stage: z.string(),
  eventTime: rfc3339Time,
  user: z.string(),
  groups: z.array(z.string()),
  sourceIps: z.array(z.string()),
  userAgent: z.string().nullable(),
  verb: z.string(),
  apiGroup: z.string().nullable(),
  resource: z.string().nullable(),
  subresource: z.string().nullable(),
  namespace: z.string().nullable(),
  name: z.string().nullable(),
  decision: z.enum(decisions).nullable(),
  responseCode: int32.nullable(),
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});
export type Finding = z.infer<typeof findingSchema>;
/** `findingSchema.safeParse`, without copying valid findings (see fastParser). */
export const findingParser = fastParser(findingSchema);
