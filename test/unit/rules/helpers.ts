// What the rule tests of several categories share: the identities kube-apiserver's authenticators name,
// audit events written from the Kubernetes documentation, engines seen through the rules a test is about,
// an engine with small thresholds for the stateful rules, and Panther's native-Event tests from
// ../shared/corpus (panther-analysis/panther_k8s_tests.jsonl).
import { unwrapDocument, type Finding } from '#shared/contracts';
import { createEngine, defaultRuleSettings, type Engine } from '#shared/engine';
import { auditEventOf, envelopeOf, pantherTests } from '#shared/testing';

export type Json = Record<string, unknown>;

// --- identities, as the Kubernetes authenticators name them -------------------------------------------
export const jane = { username: 'jane', groups: ['developers', 'system:authenticated'] };
export const admin = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };
export const node1 = { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
export const bootstrapper = {
  username: 'system:bootstrap:07401b',
  groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
};
export const controllerManager = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
export const ciBot = { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] };
export const APISERVER = 'system:apiserver';
export const NAMESPACE_CONTROLLER = 'system:serviceaccount:kube-system:namespace-controller';

// --- events ---------------------------------------------------------------------------------------------
let seq = 0;
/** A Metadata-level get by jane from 10.0.0.7 (kubectl), answered 200, with an auditID of its own; `over` replaces any field. */
export function auditEvent(over: Json): Json {
  seq += 1;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `7a1c0000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    verb: 'get',
    user: jane,
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.31.0',
    responseStatus: { code: 200 },
    requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
    stageTimestamp: '2026-03-01T10:00:00.050000Z',
    ...over,
  };
}

export interface Req {
  verb: string;
  uri: string;
  user?: string;
  groups?: string[];
  code?: number;
  /** objectRef name/namespace the API server fills from the body on create. */
  name?: string;
  namespace?: string;
  subresource?: string;
  requestObject?: unknown;
  responseObject?: unknown;
  annotations?: Record<string, string>;
}

/** `r` as an auditEvent at level RequestResponse, by jane@example.com (developers) unless it names the user; 201 for a create, else 200. */
export function apiRequest(r: Req): Json {
  const objectRef: Json = {};
  if (r.name !== undefined) objectRef.name = r.name;
  if (r.namespace !== undefined) objectRef.namespace = r.namespace;
  return auditEvent({
    level: 'RequestResponse',
    requestURI: r.uri,
    verb: r.verb,
    user: { username: r.user ?? 'jane@example.com', groups: r.groups ?? ['developers', 'system:authenticated'] },
    ...(Object.keys(objectRef).length > 0 ? { objectRef } : {}),
    responseStatus: { code: r.code ?? (r.verb === 'create' ? 201 : 200) },
    ...(r.requestObject !== undefined ? { requestObject: r.requestObject } : {}),
    ...(r.responseObject !== undefined ? { responseObject: r.responseObject } : {}),
    ...(r.annotations ? { annotations: r.annotations } : {}),
    stageTimestamp: '2026-03-01T10:00:00.100000Z',
  });
}

/** auditEventOf's request (jane lists the pods of default, allowed) from 10.0.0.7, with an auditID and a stage time of its own. */
export const plainRequest = auditEventOf({
  auditID: '1f2e3d4c-0000-4000-8000-000000000001',
  sourceIPs: ['10.0.0.7'],
  stageTimestamp: '2026-03-01T10:00:00.250000Z',
});

// --- engines --------------------------------------------------------------------------------------------
/**
 * One engine with every rule, seen through `ids`: `fired` lists the rules of `ids` that fire on an event (other
 * rules fire on many of the same events; they are asserted where they are tested), `findingOf` gives one finding.
 */
function watching<Id extends string>(ids: readonly Id[]) {
  const engine = createEngine();
  const watched = new Set<string>(ids);
  const findings = (event: unknown, e: Engine): Finding[] => e.analyze(envelopeOf(event)).findings;
  return {
    engine,
    fired: (event: unknown, e: Engine = engine): string[] => findings(event, e).map((f) => f.ruleId).filter((id) => watched.has(id)),
    findingOf: (event: unknown, ruleId: Id, e: Engine = engine): Finding | undefined => findings(event, e).find((f) => f.ruleId === ruleId),
  };
}

/** The authentication, credential and CSR rules that judge one request on its own. */
export const identityRules = [
  // authentication
  'anonymous-kubelet-access', 'anonymous-binding-created', 'system-masters-used', 'bootstrap-token-misuse', 'privileged-impersonation',
  // credentials
  'legacy-token-used', 'legacy-token-secret-created', 'token-minted',
  // csr
  'csr-client-cert-requested', 'csr-approved-manually', 'csr-privileged-subject', 'csr-node-mismatch',
] as const;
export type IdentityRule = (typeof identityRules)[number];
export const identity = watching(identityRules);

/** The RBAC, admission, network, ConfigMap-credential and audit-integrity rules that judge one request on its own. */
export const accessRules = [
  // authorization
  'permission-enumeration', 'cluster-admin-binding', 'rbac-wildcard', 'rbac-escalation-verbs', 'rbac-sensitive-grant', 'system-role-modified', 'secrets-enumeration', 'admission-control-modified',
  // network
  'ingress-without-tls', 'insecure-backend-tls', 'nodeport-service', 'network-policy-removed', 'credentials-in-configmap',
  // audit
  'audit-events-deleted',
] as const;
export type AccessRule = (typeof accessRules)[number];
export const access = watching(accessRules);

/** Every rule that fires on `event`, judged by a fresh engine (stateful rules have seen nothing before it). */
export const everyRuleFired = (event: unknown): string[] => createEngine().analyze(envelopeOf(event)).findings.map((f) => f.ruleId);

// --- stateful rules, in event time ----------------------------------------------------------------------
let stateSeq = 0;
/** The time `minutes` after 2026-01-01T00:00Z. */
export const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + minutes * 60_000).toISOString();
/** auditEventOf's request, allowed, at `at(minutes)` (stageTimestamp only), with an auditID of its own. */
export function eventAt(minutes: number, over: Json = {}): Json {
  const { requestReceivedTimestamp: _, ...event } = auditEventOf({
    auditID: `s-${String(stateSeq++)}`,
    stageTimestamp: at(minutes),
    annotations: { 'authorization.k8s.io/decision': 'allow' },
    ...over,
  });
  return event;
}
/** The rules that fire on `event`, received from cluster `c` over TLS (or not). */
export const fire = (engine: Engine, event: Json, tls = true) => engine.analyze(envelopeOf(event, 'c', tls)).findings.map((f) => f.ruleId);
export const statefulSettings = { ...defaultRuleSettings, anonymousScanThreshold: 3, forbiddenBurstThreshold: 3, secretReadBurstThreshold: 3, maxCredentialAgeDays: 10, dormantDays: 5, silenceMinutes: 15 };
/** A new engine with statefulSettings: thresholds of 3, credentials old after 10 days and dormant after 5, silence after 15 minutes. */
export const statefulEngine = () => createEngine({ settings: statefulSettings });
/** A request by system:anonymous from `ip`, refused (403) at `at(m)`. */
export const anon403 = (m: number, ip = '203.0.113.9') =>
  eventAt(m, { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: [ip], responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });

// --- Panther: its tests whose log is (or wraps) a native audit Event ------------------------------------
export interface PantherCase {
  file: string;
  name: string;
  expected: boolean;
  event: unknown;
}

/** Panther's tests of these files whose log is (or wraps) a native audit Event; GKE/Azure activity excluded. */
export function pantherCases(files: string[]): PantherCase[] {
  const out: PantherCase[] = [];
  const fileSet = new Set(files);
  for (const t of pantherTests()) {
    if (!fileSet.has(t.source_file)) continue;
    const events = t.format === 'k8s_audit_event' ? [t.log] : t.format === 'azure_diagnostics_wrapped_string' ? unwrapDocument(t.log) : [];
    for (const event of events) out.push({ file: t.source_file, name: t.test_name, expected: t.expected_result, event });
  }
  return out;
}

/** The findings of `ruleId` one engine (every rule, `settings` over the defaults) raises on `events`, in order. */
export function ruleFindings(events: readonly unknown[], ruleId: string, settings: Partial<typeof defaultRuleSettings> = {}): Finding[] {
  const engine = createEngine({ settings: { ...defaultRuleSettings, ...settings } });
  return events.flatMap((e) => engine.analyze(envelopeOf(e)).findings).filter((f) => f.ruleId === ruleId);
}

/** A service account's request made with its pod's bound token (the pod named in the token's extra). */
export function podServiceAccount(namespace: string, name: string, pod = `${name}-7d9f-abcde`): Json {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/pod-name': [pod], 'authentication.kubernetes.io/pod-uid': ['0d6a2f3e-1111-4222-8333-444455556666'], 'authentication.kubernetes.io/credential-id': ['JTI=pod-token-1'] },
  };
}
