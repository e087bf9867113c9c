// Pure matching helpers with the semantics of kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go
// (VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches, NonResourceURLMatches) and of
// RuleAllows in plugin/pkg/auth/authorizer/rbac/rbac.go. Written for kaudit; no code was copied.
//
// Deliberate fidelity points (each one has a test):
// - `*` is a wildcard in verbs, apiGroups, resources and nonResourceURLs, never in resourceNames.
// - resources: `*`, an exact `resource` or `resource/subresource`, and `*/subresource` (any resource's
//   subresource). `pods/*` is NOT a wildcard: Kubernetes refuses it on purpose (kubernetes/enhancements#4961),
//   so it only equals a literal `pods/*` and grants nothing in practice. `*/*` is not a wildcard either.
// - resourceNames: empty means every name. A non-empty list never matches a request without a name
//   (list, watch, create, deletecollection), since "" is compared like any other name.
// - nonResourceURLs: `*`, an exact path, or a prefix written with trailing `*` (`/healthz/*` matches
//   `/healthz/etcd` but not `/healthz`; all trailing stars are trimmed before the prefix test).
// - A resource request is matched on verbs/apiGroups/resources/resourceNames only, a non-resource request
//   on verbs/nonResourceURLs only, so one rule may carry both kinds.

import type { LabelSelector, PolicyRuleObject, RbacRequest } from './types.js';

/** A compiled PolicyRuleObject: its lists defaulted (a missing list matches nothing, except resourceNames). */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

const none: readonly string[] = Object.freeze([]);

export function toRule(rule: PolicyRuleObject): PolicyRule {
  return {
    verbs: rule.verbs ?? none,
    apiGroups: rule.apiGroups ?? none,
    resources: rule.resources ?? none,
    resourceNames: rule.resourceNames ?? none,
    nonResourceURLs: rule.nonResourceURLs ?? none,
  };
}

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs) if (v === '*' || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: PolicyRule, apiGroup: string): boolean {
  for (const g of rule.apiGroups) if (g === '*' || g === apiGroup) return true;
  return false;
}

/**
 * `combined` is `resource` or `resource/subresource`; `subresource` is the bare subresource ('' if none).
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources) {
    if (r === '*' || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (rule.resourceNames.length === 0) return true;
  for (const n of rule.resourceNames) if (n === name) return true;
  return false;
}

function trimTrailingStars(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 42 /* '*' */) end--;
  return s.slice(0, end);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimTrailingStars(u))) return true;
  }
  return false;
}

/** RuleAllows: does this one rule allow the request? */
export function ruleAllows(req: RbacRequest, rule: PolicyRule): boolean {
  if (!verbMatches(rule, req.verb)) return false;
  if (req.isResourceRequest) {
    const combined = req.subresource === '' ? req.resource : `${req.resource}/${req.subresource}`;
    return apiGroupMatches(rule, req.apiGroup) && resourceMatches(rule, combined, req.subresource) && resourceNameMatches(rule, req.name);
  }
  return nonResourceURLMatches(rule, req.path);
}

/**
 * metav1.LabelSelectorAsSelector semantics: a selector with neither matchLabels nor matchExpressions
 * selects everything; requirements are ANDed. Operators In, NotIn (also true when the label is absent),
 * Exists, DoesNotExist. An invalid requirement (In/NotIn without values, Exists/DoesNotExist with values,
 * an unknown operator) makes the selector select nothing: the aggregation controller fails to build it,
 * and the API server's validation rejects such a ClusterRole in the first place.
 */
export function labelSelectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = selector.matchLabels ?? {};
  for (const [k, v] of Object.entries(matchLabels)) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const values = expr.values ?? [];
    const has = Object.hasOwn(labels, expr.key);
    const value = has ? labels[expr.key] : undefined;
    switch (expr.operator) {
      case 'In':
        if (values.length === 0 || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (values.length === 0) return false;
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (values.length > 0 || !has) return false;
        break;
      case 'DoesNotExist':
        if (values.length > 0 || has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
