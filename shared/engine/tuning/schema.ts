import { z } from 'zod';
import { ruleCategories, severities } from '#shared/contracts';
import { isCidr } from '../rules/authentication/node-networks.js';
import { distributions } from './profiles.js';

// The tuning file (KAUDIT_RULES_FILE, YAML): per-rule switches, lists, thresholds and custom CEL rules.
const cel = z.string().min(1).max(4096);
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes');

export const ruleOverrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  severity: z.enum(severities).optional(),
  /** CEL expressions over `event` and `record`; a finding is dropped when any is true. */
  exceptions: z.array(cel).default([]),
});

export const customRuleSchema = z.strictObject({
  id: ruleId,
  title: z.string().min(1).max(200),
  severity: z.enum(severities),
  category: z.enum(ruleCategories).default('custom'),
  mitre: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/, 'a MITRE ATT&CK technique id like T1609')).default([]),
  condition: cel,
  summary: z.string().min(1).max(500).optional(),
  enabled: z.boolean().default(true),
  exceptions: z.array(cel).default([]),
});

export const tuningSchema = z.strictObject({
  /** the distribution's profile (profiles.ts): its platform identities and namespaces, its own rules */
  distribution: z.enum(distributions).optional(),
  rules: z.record(ruleId, ruleOverrideSchema).default({}),
  lists: z
    .strictObject({
      trustedImages: z.array(z.string().min(1)).optional(),
      allowedRegistries: z.array(z.string().min(1)).optional(),
      breakGlassIdentities: z.array(z.string().min(1)).optional(),
      systemNamespaces: z.array(z.string().min(1)).optional(),
      publicPaths: z.array(z.string().regex(/^\//, 'a path starting with /')).optional(),
      controlPlanePods: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]*$/, '<namespace>/<pod name prefix>')).optional(),
      adminRoles: z.array(z.string().min(1)).optional(),
      sensitiveHostPaths: z.array(z.string().regex(/^(\/|\*$)/, 'an absolute path, or * for every hostPath')).optional(),
      expectedNodeNames: z.array(z.string().min(1)).optional(),
      nodeNetworks: z.array(z.string().refine((v) => isCidr(v), 'a CIDR such as 10.0.0.0/16')).optional(),
      protectedConfigMaps: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, '<namespace>/<name>')).optional(),
    })
    .default({}),
  thresholds: z
    .strictObject({
      anonymousScan: z.number().int().min(1).optional(),
      forbiddenBurst: z.number().int().min(1).optional(),
      massDeletion: z.number().int().min(1).optional(),
      discoveryKinds: z.number().int().min(1).optional(),
      secretReadBurst: z.number().int().min(1).optional(),
      maxCredentialAgeDays: z.number().int().min(1).optional(),
      dormantDays: z.number().int().min(1).optional(),
      silenceMinutes: z.number().int().min(1).optional(),
      silenceBusyRate: z.number().int().min(1).optional(),
    })
    .default({}),
  customRules: z.array(customRuleSchema).default([]),
});
export type TuningFile = z.infer<typeof tuningSchema>;
/** A tuning document as written (defaults not yet filled in). */
export type TuningInput = z.input<typeof tuningSchema>;
export type CustomRuleSpec = z.infer<typeof customRuleSchema>;
export type CustomRuleInput = z.input<typeof customRuleSchema>;
