import { z } from 'zod';
import { ruleCategories, severitySchema } from './finding.js';

/**
 * One entry of the rule catalogue: what the analyzer runs and `GET /v1/rules` serves, with the tuning file's
 * effect (severity, enabled, exceptions) applied.
 */
export const ruleCatalogueEntrySchema = z.object({
  id: z.string(),
  title: z.string(),
  severity: severitySchema.describe('effective severity, after the tuning file'),
  defaultSeverity: severitySchema,
  category: z.enum(ruleCategories),
  mitre: z.array(z.string()),
  enabled: z.boolean(),
  custom: z.boolean().describe('a CEL rule from the tuning file'),
  exceptions: z.number().int().describe('number of CEL exceptions'),
});
export type RuleCatalogueEntry = z.infer<typeof ruleCatalogueEntrySchema>;
