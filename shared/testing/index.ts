// Test-only helpers (excluded from the build). Tests that read ../shared/corpus say so: the corpus
// is third-party audit data kept beside the repository, never copied into it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Envelope } from '#shared/contracts';
import { auditEventSchema } from '#shared/contracts';
import { eventTime } from '#shared/engine';
import { eventList, sampleEvent } from '#shared/samples';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus');

/** The JSON objects of a one-event-per-line corpus file (blank lines skipped; BOM tolerated). */
export function corpusLines(relative: string): unknown[] {
  return readFileSync(path.join(corpusDir, relative), 'utf8')
    .replace(/^\uFEFF/, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

export interface PantherTest {
  source_file: string;
  rule_id: string;
  test_name: string;
  expected_result: boolean;
  format: string;
  log: Record<string, unknown>;
}

export function pantherTests(): PantherTest[] {
  return corpusLines('panther-analysis/panther_k8s_tests.jsonl') as PantherTest[];
}

export function pantherEvent(sourceFile: string, testName: string): Record<string, unknown> {
  const t = pantherTests().find((x) => x.source_file === sourceFile && x.test_name === testName);
  if (!t) throw new Error(`no Panther test ${sourceFile} / ${testName} in the corpus`);
  return t.log;
}

export { eventList };

/**
 * A hand-written audit Event: a Metadata-level ResponseComplete event by `jane` from 10.0.0.5 (a list of pods
 * in default, allowed, 200) with `fields` laid over it. Tests state only what they are about.
 */
export function auditEventOf(fields: Record<string, unknown>): Record<string, unknown> {
  return sampleEvent({
    auditID: '0f9a7c52-1111-4000-8000-000000000001',
    requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
    stageTimestamp: '2026-03-01T10:00:00.001000Z',
    ...fields,
  });
}

/** An envelope as ingest writes one: received when the event happened (or on 2026-01-01 when it has no time). */
export function envelopeOf(event: unknown, cluster = 'test', tls = true): Envelope {
  const parsed = auditEventSchema.parse(event);
  // the engine's own reading of the event's time (the receive time stands in for an event without one)
  return { cluster, receivedAt: eventTime(parsed, '2026-01-01T00:00:00.000Z').time, transport: { tls }, event: parsed };
}

/**
 * The batch several tests post: Falco and Panther traces with known outcomes for the first rules, the
 * audit2rbac capture (37 real events, none anonymous) and Falco's malformed fixture `{"kind": 0}`.
 * Falco's and Panther's hand-edited traces reuse auditIDs across unrelated events, so only one of each is taken.
 */
export function corpusBatch(): { items: unknown[]; expectedFindings: { ruleId: string; auditId: string }[]; valid: number; malformed: number } {
  const falcoAnonymous = corpusLines('falco-k8s-audit/anonymous_creates_namespace_foo.json');
  const falcoMinikube = corpusLines('falco-k8s-audit/minikube_creates_namespace_foo.json');
  const pantherAnonymous = pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'Anonymous API Access');
  const pantherHealth = pantherEvent('aws_eks_rules/anonymous_api_access.yml', 'ELB Health Check from 10.0.0.0/8');
  const audit2rbac = corpusLines('audit2rbac/demo.log');
  const malformed = corpusLines('falco-k8s-audit/fal_01_003.json');
  const items = [...falcoAnonymous, ...falcoMinikube, pantherAnonymous, pantherHealth, ...audit2rbac, ...malformed];
  const idOf = (e: unknown) => (e as { auditID: string }).auditID;
  return {
    items,
    expectedFindings: [
      { ruleId: 'anonymous-request-allowed', auditId: idOf(falcoAnonymous[0]) },
      { ruleId: 'anonymous-request-allowed', auditId: idOf(pantherAnonymous) },
      // Falco's hand-edited anonymous trace and minikube-user carry group system:masters, and so does
      // system:admin in every event of the audit2rbac capture.
      { ruleId: 'system-masters-used', auditId: idOf(falcoAnonymous[0]) },
      { ruleId: 'system-masters-used', auditId: idOf(falcoMinikube[0]) },
      ...audit2rbac.map((e) => ({ ruleId: 'system-masters-used', auditId: idOf(e) })),
    ],
    valid: items.length - malformed.length,
    malformed: malformed.length,
  };
}

/**
 * Every native audit Event of the corpus, as a kube-apiserver would hold them: Falco's traces (its
 * malformed fixture left out), the audit2rbac capture, Panther's native-Event tests (their `p_*` keys kept)
 * and the AKS capture's Events (unwrapped from `properties.log`, and the pretty-printed sample).
 */
export function corpusNativeEvents(): unknown[] {
  const falco = readdirSync(path.join(corpusDir, 'falco-k8s-audit'))
    .filter((f) => f.endsWith('.json') && f !== 'fal_01_003.json')
    .sort()
    .flatMap((f) => corpusLines(`falco-k8s-audit/${f}`));
  const panther = pantherTests()
    .filter((t) => t.format === 'k8s_audit_event')
    .map((t) => t.log);
  const aks = (JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'event.json'), 'utf8')) as { records: { properties: { log: string } }[] }).records.map(
    (r) => JSON.parse(r.properties.log) as unknown,
  );
  const sample = JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'sample_KubeAuditLog_event.json'), 'utf8').replace(/^\uFEFF/, '')) as unknown;
  return [...falco, ...corpusLines('audit2rbac/demo.log'), ...panther, ...aks, sample];
}

/** The groups kube-apiserver's authenticators give a username (the PerfSPEC capture kept only usernames). */
function groupsOf(username: string): string[] {
  if (username.startsWith('system:node:')) return ['system:nodes', 'system:authenticated'];
  const sa = /^system:serviceaccount:([^:]+):/.exec(username);
  if (sa) return ['system:serviceaccounts', `system:serviceaccounts:${sa[1] ?? ''}`, 'system:authenticated'];
  if (username === 'system:anonymous') return ['system:unauthenticated'];
  return ['system:authenticated'];
}

/**
 * The PerfSPEC capture (a kubeadm cluster during Helm installs, CSV flattened by Logstash) re-inflated into
 * Metadata-level Events: auditID, stage, verb, user (groups as the authenticators give them), requestURI,
 * objectRef (namespace from the URI), response code and receive time. Rows the CSV cut short are left out.
 */
export function perfspecEvents(): Record<string, unknown>[] {
  const rows: string[][] = parseCsv(readFileSync(path.join(corpusDir, 'perfspec-kubernetes-event-dataset', 'audit-logs.csv'), 'utf8'), { relax_column_count: true, relax_quotes: true });
  const out: Record<string, unknown>[] = [];
  for (const row of rows) {
    if (row.length !== 15) continue;
    const [, received = '', username = '', verb = '', resource = '', subresource = '', name = '', , requestURI = '', auditID = '', stage = '', code = ''] = row;
    if (auditID === '' || (code !== '' && Number.isNaN(Number(code)))) continue;
    const namespace = /^\/api(?:s\/[^/]+)?\/[^/]+\/namespaces\/([^/?]+)\/[^?]/.exec(requestURI)?.[1];
    out.push({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID,
      stage,
      requestURI,
      verb,
      user: { username, groups: groupsOf(username) },
      sourceIPs: ['10.0.0.10'],
      ...(resource === '' ? {} : { objectRef: { resource, ...(namespace === undefined ? {} : { namespace }), ...(name === '' ? {} : { name }), ...(subresource === '' ? {} : { subresource }) } }),
      ...(code === '' ? {} : { responseStatus: { code: Number(code) } }),
      requestReceivedTimestamp: received,
      stageTimestamp: received,
    });
  }
  return out;
}

/** The corpus's benign real captures, by name: audit2rbac's demo, the AKS capture, PerfSPEC's kubeadm cluster. */
export function benignCaptures(): Record<'audit2rbac' | 'aks' | 'perfspec', unknown[]> {
  const aks = (JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'event.json'), 'utf8')) as { records: { properties: { log: string } }[] }).records.map((r) => JSON.parse(r.properties.log) as unknown);
  const sample = JSON.parse(readFileSync(path.join(corpusDir, 'sysdig-aks-audit-log', 'sample_KubeAuditLog_event.json'), 'utf8').replace(/^\uFEFF/, '')) as unknown;
  return { audit2rbac: corpusLines('audit2rbac/demo.log'), aks: [...aks, sample], perfspec: perfspecEvents() };
}

export { fleetSnapshot, fleetStream, type FleetStreamOptions } from './fleet-stream.js';
