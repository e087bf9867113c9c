// Conformance with Falco's k8saudit test matrix. Reads ../shared/corpus: the traces of falco-k8s-audit/ and
// the expected outcomes of falco-k8s-audit/EXPECTED.md (legacy harness table, parsed here; rule names of the
// newest port too). Every case replays its trace through a fresh engine configured from
// test/conformance/falco.tuning.yaml (loadTuning) plus the case's Falco override files as tuning fragments
// (test/conformance/falco-mapping.ts); the mapping table says which kaudit rule stands for which Falco rule.
import { describe, expect, it } from 'vitest';
import { auditEventSchema, unwrapDocument } from '#shared/contracts';
import { builtinRules, createEngine, loadTuning } from '#shared/engine';
import { corpusLines, envelopeOf } from '#shared/testing';
import { falcoExceptions, falcoOverrides, falcoRules } from '../conformance/falco-mapping.js';
import { falcoAgrees, falcoAssertedFires, falcoRuleNames, falcoTuningFile, runFalco } from '../conformance/report.js';

const run = runFalco();
const label = (v: { caseName: string; trace: string; falcoRule: string }) => `${v.caseName} (${v.trace}): ${v.falcoRule}`;

describe('Falco mapping table', () => {
  it('reads every legacy case of EXPECTED.md (66, as in falco_k8s_audit_tests.yaml)', () => {
    expect(run.cases).toHaveLength(66);
    expect(run.cases.filter((c) => c.noAlert)).toHaveLength(21);
    expect(run.cases.every((c) => c.noAlert !== c.expected.length > 0)).toBe(true);
  });

  it('maps every Falco rule EXPECTED.md names, to kaudit rules that exist or to null with a reason', () => {
    expect(run.unknownRules).toEqual([]);
    for (const name of falcoRuleNames()) expect(falcoRules, name).toHaveProperty([name]);
    const tuning = loadTuning(builtinRules, falcoTuningFile);
    const known = new Set(tuning.catalogue.map((r) => r.id));
    for (const [rule, m] of Object.entries(falcoRules)) {
      expect(m.note.length, rule).toBeGreaterThan(20);
      for (const id of m.ours ?? []) expect(known.has(id), `${rule} → ${id}`).toBe(true);
    }
  });

  it('has a tuning fragment for every override file a comparable case loads', () => {
    const used = new Set(run.cases.filter((c) => c.base !== 'none').flatMap((c) => c.overrides));
    expect([...used].filter((o) => !(o in falcoOverrides))).toEqual([]);
  });

  it('falco.tuning.yaml loads as a tuning file, and no CEL expression failed at runtime in any case', () => {
    const tuning = loadTuning(builtinRules, falcoTuningFile);
    expect(tuning.catalogue.filter((r) => r.custom).map((r) => [r.id, r.enabled])).toEqual([
      ['falco-disallowed-k8s-user', true],
      ['falco-disallowed-namespace', true],
      ['falco-disallowed-pod', false],
    ]);
    expect(tuning.settings.trustedImages).toContain('docker.io/falcosecurity/falco');
    expect(run.celErrors).toEqual({});
  });

  it('documented exceptions name real cases that expect that Falco rule', () => {
    for (const e of falcoExceptions) {
      for (const name of e.cases) {
        const c = run.cases.find((x) => x.name === name);
        expect(c?.expected.map((x) => x.rule), name).toContain(e.falcoRule);
      }
      expect(falcoRules[e.falcoRule]?.ours, e.falcoRule).not.toBeNull();
    }
  });
});

describe('Falco cases (../shared/corpus/falco-k8s-audit, outcomes from EXPECTED.md)', () => {
  const positives = run.verdicts.filter((v) => v.falcoFires);
  const negatives = run.verdicts.filter((v) => !v.falcoFires);

  it.each(positives.map((v) => [label(v), v] as const))('fires as Falco expects: %s', (_, v) => {
    if (v.exception) {
      // A documented difference: kaudit's own behaviour is asserted.
      expect(v.oursCount > 0, `${label(v)}: ${v.exception.reason}`).toBe(v.exception.oursFires);
      return;
    }
    expect(v.oursCount, `${label(v)} ↔ ${v.ours.join(', ')}`).toBe(v.falcoCount);
  });

  it.each(negatives.map((v) => [label(v), v] as const))('stays silent in a no-alert case: %s', (_, v) => {
    expect(v.oursCount > 0, `${label(v)} ↔ ${v.ours.join(', ')}`).toBe(falcoAssertedFires(v));
  });

  it('agrees everywhere except the documented exceptions', () => {
    const disagreements = run.verdicts.filter((v) => !falcoAgrees(v));
    const documented = falcoExceptions.flatMap((e) => e.cases.map((name) => `${name}: ${e.falcoRule}`));
    expect(disagreements.map((v) => `${v.caseName}: ${v.falcoRule}`).sort()).toEqual(documented.sort());
    expect(disagreements.every((v) => v.exception !== undefined)).toBe(true);
    // 25 expectations of a mapped rule firing (2 of them documented exceptions); 20 no-alert cases with
    // events (fal_01_003 has none) × 15 mapped rules staying silent.
    expect([positives.filter(falcoAgrees).length, positives.length]).toEqual([23, 25]);
    expect([negatives.filter(falcoAgrees).length, negatives.length]).toEqual([300, 300]);
  });

  it('a documented exception is kaudit’s design, not a blind spot: the same pod created by a person is reported', () => {
    const tuning = loadTuning(builtinRules, falcoTuningFile);
    for (const file of ['create_pod_kube_system_namespace.json', 'create_pod_kube_public_namespace.json']) {
      const [event] = corpusLines(`falco-k8s-audit/${file}`);
      const byPerson = { ...(event as Record<string, unknown>), user: { username: 'minikube-user', groups: ['system:masters', 'system:authenticated'] } };
      const engine = createEngine({ rules: tuning.rules, settings: tuning.settings });
      expect(engine.analyze(envelopeOf(byPerson)).findings.map((f) => f.ruleId), file).toContain('workload-in-system-namespace');
    }
  });

  it('does not compare the JSON-pointer engine test (no kaudit rule set stands for it)', () => {
    expect(run.notComparable.map((n) => n.caseName)).toEqual(['json_pointer_correct_parse']);
  });
});

describe('Falco malformed fixture fal_01_003.json ({"kind": 0})', () => {
  it('is rejected by auditEventSchema, not crashed on, and is the only rejected trace', () => {
    const [doc] = corpusLines('falco-k8s-audit/fal_01_003.json');
    expect(doc).toEqual({ kind: 0 });
    const items = unwrapDocument(doc);
    expect(items).toHaveLength(1);
    const parsed = auditEventSchema.safeParse(items[0]);
    expect(parsed.success).toBe(false);
    expect(run.rejected.map((r) => [r.caseName, r.trace])).toEqual([['fal_01_003', 'fal_01_003.json']]);
  });
});
