import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Finding } from '#shared/contracts';
import { applyTuning, builtinRules } from '#shared/engine';

// "Suppress like this": a rules-file exception drafted from a finding, for an admin to review and add to
// KAUDIT_RULES_FILE. The exception is CEL over the normalized record, on the fields the analyst picked.

export const suppressionFields = ['user', 'namespace', 'cluster', 'resource', 'name', 'userAgent', 'verb'] as const;
export type SuppressionField = (typeof suppressionFields)[number];

/** A CEL string literal (JSON's escapes are CEL's for every character JSON escapes). */
const celString = (s: string) => JSON.stringify(s);

export function draftSuppression(finding: Finding, fields: readonly SuppressionField[]): { condition: string; yaml: string } {
  const parts = fields.map((field) => {
    const value = finding[field];
    return value === null ? `record.${field} == null` : `record.${field} == ${celString(value)}`;
  });
  const condition = parts.join(' && ');
  const doc = { rules: { [finding.ruleId]: { exceptions: [condition] } } };
  const yaml = stringifyYaml(doc);
  // a draft for a built-in rule must load as the analyzer loads its rules file (a custom rule's exceptions
  // go under its own entry in customRules, which the admin edits)
  if (builtinRules.some((r) => r.id === finding.ruleId)) applyTuning(builtinRules, parseYaml(yaml) as unknown);
  return { condition, yaml };
}
