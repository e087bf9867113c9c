import type { AuditEvent, NormalizedRecord, Severity } from '#shared/contracts';
import type { RuleState } from '../state/index.js';

// A rule is data plus a small pure predicate over the normalized record (and the raw event when it
// needs the request/response objects). It returns the facts that matched, or undefined.
export interface RuleMatch {
  /** One human sentence. */
  summary: string;
  /** Exactly the facts that matched. */
  evidence: Record<string, unknown>;
}

/** Lists and thresholds rules read; defaults below, overridden by the tuning file (KAUDIT_RULES_FILE). */
export interface RuleSettings {
  /** Image references (prefix match, e.g. `registry.k8s.io/pause`) exempt from the workload rules. */
  trustedImages: readonly string[];
  /** Registries images may come from (`untrusted-registry` is off while this is empty). */
  allowedRegistries: readonly string[];
  /** Identities (usernames) exempt from `system-masters-used` and similar break-glass checks. */
  breakGlassIdentities: readonly string[];
  /** Namespaces where non-system identities should not create workloads. */
  systemNamespaces: readonly string[];
  anonymousScanThreshold: number;
  forbiddenBurstThreshold: number;
  secretReadBurstThreshold: number;
  maxCredentialAgeDays: number;
  dormantDays: number;
  silenceMinutes: number;
}

export const defaultRuleSettings: RuleSettings = {
  trustedImages: [],
  allowedRegistries: [],
  breakGlassIdentities: [],
  systemNamespaces: ['kube-system', 'kube-public'],
  anonymousScanThreshold: 20,
  forbiddenBurstThreshold: 10,
  secretReadBurstThreshold: 15,
  maxCredentialAgeDays: 90,
  dormantDays: 30,
  silenceMinutes: 15,
};

export interface RuleContext {
  record: NormalizedRecord;
  event: AuditEvent;
  settings: RuleSettings;
  /** Per-engine state for stateful rules (windows, first-seen, …); keys are namespaced by rule id. */
  state: RuleState;
}

export type RuleCategory = 'authentication' | 'credentials' | 'csr' | 'authorization' | 'workload' | 'network' | 'audit' | 'custom';

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  category: RuleCategory;
  /** MITRE ATT&CK technique ids (Containers matrix where one applies). */
  mitre: string[];
  evaluate(ctx: RuleContext): RuleMatch | undefined;
}
