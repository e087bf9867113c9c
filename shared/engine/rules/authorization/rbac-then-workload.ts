import { isSystemIdentity, succeeded } from '../objects.js';
import { minute, t } from '../state-helpers.js';
import type { RuleContext } from '../types.js';
import { workloadResourceOf } from '../workload/pod-spec.js';
import { clusterAdminBinding } from './cluster-admin-binding.js';
import { rbacEscalationVerbs } from './rbac-escalation-verbs.js';
import { rbacSensitiveGrant } from './rbac-sensitive-grant.js';
import { rbacWildcard } from './rbac-wildcard.js';
import { authorizationRule, kindOf } from './helpers.js';

const windowMs = 10 * minute;
/** A sensitive RBAC change is one these rules report (each judges one request, without state). */
const sensitiveRbac = [clusterAdminBinding, rbacWildcard, rbacEscalationVerbs, rbacSensitiveGrant];
const workloadChanges = new Set(['create', 'update', 'patch']);

function sensitiveChange(ctx: RuleContext): string | undefined {
  for (const rule of sensitiveRbac) if (rule.evaluate(ctx) !== undefined) return rule.id;
  return undefined;
}

/**
 * A sequence: a sensitive RBAC change (one that cluster-admin-binding, rbac-wildcard, rbac-escalation-verbs
 * or rbac-sensitive-grant reports) followed within 10 minutes by the same identity creating or changing a
 * workload, or exec'ing into a pod: an identity granting itself (or its token) power and using it at once.
 * Reported once per RBAC change, on the workload request; the control plane is not followed.
 */
export const rbacThenWorkload = authorizationRule({ id: 'rbac-then-workload', title: 'Sensitive RBAC change followed by a workload change', severity: 'high', mitre: ['T1098', 'T1610', 'T1078'] }, (ctx) => {
  const { record, state } = ctx;
  if (isSystemIdentity(record) || !succeeded(record)) return undefined;
  const key = `rbac-then-workload|${record.cluster}|${record.user}`;
  const now = t(record);
  // the rbac rules judge RBAC objects only: ask them about nothing else (this runs on every request)
  const rbac = record.resource !== null && record.resource in kindOf ? sensitiveChange(ctx) : undefined;
  if (rbac !== undefined) {
    state.set(key, { at: now, rule: rbac, resource: record.resource, name: record.name, namespace: record.namespace });
    return undefined;
  }
  const exec = record.resource === 'pods' && (record.subresource === 'exec' || record.subresource === 'attach');
  const workload = workloadResourceOf(record) !== undefined && record.subresource === null && workloadChanges.has(record.derivedVerb);
  if (!exec && !workload) return undefined;
  const s = state.get<{ at: number; rule: string; resource: string | null; name: string | null; namespace: string | null }>(key);
  if (!s || now < s.at || now - s.at > windowMs) return undefined;
  state.delete(key);
  const change = `${s.resource ?? ''} ${s.namespace ? `${s.namespace}/` : ''}${s.name ?? ''}`.trim();
  const then = exec ? `exec'd into pod ${record.namespace ?? ''}/${record.name ?? ''}` : `${record.derivedVerb} ${record.resource ?? ''} ${record.namespace ? `${record.namespace}/` : ''}${record.name ?? ''}`;
  return {
    summary: `${record.user} changed ${change} (${s.rule}) and ${String(Math.round((now - s.at) / 1000))} s later ${then}.`,
    evidence: { user: record.user, rbacChange: { rule: s.rule, resource: s.resource, namespace: s.namespace, name: s.name, at: new Date(s.at).toISOString() }, then: { verb: record.derivedVerb, resource: record.resource, subresource: record.subresource, namespace: record.namespace, name: record.name }, secondsBetween: Math.round((now - s.at) / 1000) },
  };
});
