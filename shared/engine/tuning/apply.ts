import type { NormalizedRecord, RuleCatalogueEntry } from '#shared/contracts';
import { defaultRuleSettings, type Rule, type RuleContext, type RuleSettings } from '../rules/types.js';
import { CelLoadError, compileCel, type CelProgram } from './cel.js';
import { profiles, withProfile } from './profiles.js';
import { customRuleSchema, tuningSchema, type CustomRuleSpec, type TuningFile } from './schema.js';

export interface RuleErrors {
  /** Runtime CEL errors per rule id (a type error in an expression counts as "no match"). */
  counts: Map<string, number>;
}

export interface Tuning {
  settings: RuleSettings;
  rules: Rule[];
  /** The whole catalogue with effective severity and enabled state (GET /v1/rules). */
  catalogue: RuleCatalogueEntry[];
  errors: RuleErrors;
}

function evalBool(program: CelProgram, ctx: RuleContext, ruleId: string, errors: RuleErrors): boolean {
  try {
    return program({ event: ctx.event, record: ctx.record }) === true;
  } catch {
    errors.counts.set(ruleId, (errors.counts.get(ruleId) ?? 0) + 1);
    return false;
  }
}

function customRule(spec: CustomRuleSpec, errors: RuleErrors): Rule {
  const condition = compileCel(spec.condition, `customRules.${spec.id}.condition`);
  const describe = (r: NormalizedRecord) =>
    spec.summary ?? `${spec.title}: ${r.user || 'unknown user'} ${r.derivedVerb || r.verb} ${r.resource ?? r.path}${r.name ? `/${r.name}` : ''}.`;
  return {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    category: spec.category,
    mitre: spec.mitre,
    evaluate(ctx) {
      if (!evalBool(condition, ctx, spec.id, errors)) return undefined;
      const r = ctx.record;
      return {
        summary: describe(r),
        evidence: { condition: spec.condition, user: r.user, verb: r.derivedVerb, resource: r.resource, namespace: r.namespace, name: r.name },
      };
    },
  };
}

function withExceptions(rule: Rule, sources: string[], severity: Rule['severity'] | undefined, errors: RuleErrors): Rule {
  if (sources.length === 0 && severity === undefined) return rule;
  const exceptions = sources.map((src, i) => compileCel(src, `rules.${rule.id}.exceptions[${String(i)}]`));
  return {
    ...rule,
    severity: severity ?? rule.severity,
    evaluate(ctx) {
      const match = rule.evaluate(ctx);
      if (!match) return undefined;
      return exceptions.some((e) => evalBool(e, ctx, rule.id, errors)) ? undefined : match;
    },
  };
}

/** Applies a parsed tuning document to the built-in rules. Throws with the offending path on error. */
export function applyTuning(builtins: readonly Rule[], doc: unknown): Tuning {
  const parsed = tuningSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CelLoadError(issue?.path.join('.') || '(file)', issue?.message ?? 'invalid');
  }
  const t: TuningFile = parsed.data;
  const profile = t.distribution === undefined ? undefined : profiles[t.distribution];
  // the profile's rules come first; the file may turn them off or tune them under rules:
  const customRules = [...(profile?.customRules ?? []).map((c) => customRuleSchema.parse(c)), ...t.customRules];
  const known = new Map(builtins.map((r) => [r.id, r]));
  for (const id of Object.keys(t.rules)) {
    if (!known.has(id) && !customRules.some((c) => c.id === id)) throw new CelLoadError(`rules.${id}`, 'no such rule');
  }
  for (const c of customRules) {
    if (known.has(c.id)) throw new CelLoadError(`customRules.${c.id}`, 'id is taken by a built-in rule');
  }
  const twice = customRules.find((c, i) => customRules.findIndex((d) => d.id === c.id) !== i);
  if (twice !== undefined) throw new CelLoadError(`customRules.${twice.id}`, profile?.customRules.some((c) => c.id === twice.id) ? `id is taken by a rule of the ${t.distribution ?? ''} profile` : 'two custom rules have this id');
  const errors: RuleErrors = { counts: new Map() };
  const settings: RuleSettings = {
    ...defaultRuleSettings,
    ...t.lists,
    // the profile's system:masters identities add to the list in effect (the file's, or the default)
    breakGlassIdentities: [...new Set([...(t.lists.breakGlassIdentities ?? defaultRuleSettings.breakGlassIdentities), ...(profile?.breakGlassIdentities ?? [])])],
    anonymousScanThreshold: t.thresholds.anonymousScan ?? defaultRuleSettings.anonymousScanThreshold,
    forbiddenBurstThreshold: t.thresholds.forbiddenBurst ?? defaultRuleSettings.forbiddenBurstThreshold,
    massDeletionThreshold: t.thresholds.massDeletion ?? defaultRuleSettings.massDeletionThreshold,
    discoveryKindsThreshold: t.thresholds.discoveryKinds ?? defaultRuleSettings.discoveryKindsThreshold,
    secretReadBurstThreshold: t.thresholds.secretReadBurst ?? defaultRuleSettings.secretReadBurstThreshold,
    maxCredentialAgeDays: t.thresholds.maxCredentialAgeDays ?? defaultRuleSettings.maxCredentialAgeDays,
    dormantDays: t.thresholds.dormantDays ?? defaultRuleSettings.dormantDays,
    silenceMinutes: t.thresholds.silenceMinutes ?? defaultRuleSettings.silenceMinutes,
    silenceBusyRate: t.thresholds.silenceBusyRate ?? defaultRuleSettings.silenceBusyRate,
  };
  const rules: Rule[] = [];
  const catalogue: Tuning['catalogue'] = [];
  for (const rule of profile === undefined ? builtins : withProfile(builtins, profile)) {
    const o = t.rules[rule.id];
    const enabled = o?.enabled ?? true;
    const tuned = withExceptions(rule, o?.exceptions ?? [], o?.severity, errors);
    if (enabled) rules.push(tuned);
    catalogue.push({ id: rule.id, title: rule.title, severity: tuned.severity, defaultSeverity: rule.severity, category: rule.category, mitre: rule.mitre, enabled, custom: false, exceptions: o?.exceptions.length ?? 0 });
  }
  for (const spec of customRules) {
    const o = t.rules[spec.id];
    const enabled = o?.enabled ?? spec.enabled;
    const tuned = withExceptions(customRule(spec, errors), [...spec.exceptions, ...(o?.exceptions ?? [])], o?.severity, errors);
    if (enabled) rules.push(tuned);
    catalogue.push({ id: spec.id, title: spec.title, severity: tuned.severity, defaultSeverity: spec.severity, category: spec.category, mitre: spec.mitre, enabled, custom: true, exceptions: spec.exceptions.length + (o?.exceptions.length ?? 0) });
  }
  return { settings, rules, catalogue, errors };
}
