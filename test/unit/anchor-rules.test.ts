// The anchors' rule files mapped rule by rule (test/conformance/anchor-rules.ts, shown in docs/conformance.md):
// every anchor rule is there once, every kaudit rule it names exists, every tuning document it gives loads,
// and each custom rule of those documents fires on its example; the coverage is what the issue asks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { applyTuning, builtinRules, createEngine, defaultRuleSettings } from '#shared/engine';
import { auditEventOf, envelopeOf } from '#shared/testing';
import { anchorRules, coverageOf } from '../conformance/anchor-rules.js';
import { falcoTuningFile } from '../conformance/report.js';

const falcoCustom = ((parseYaml(readFileSync(falcoTuningFile, 'utf8')) as { customRules: { id: string }[] }).customRules).map((c) => c.id);

describe('the anchors’ rule files, mapped', () => {
  it('holds each anchor rule once: Falco’s 48 (27 alerting), Elastic’s 45, Sigma’s 16', () => {
    const names = anchorRules.map((r) => `${r.anchor}|${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(anchorRules.filter((r) => r.anchor === 'falco')).toHaveLength(48);
    expect(coverageOf('falco').total).toBe(27);
    expect(coverageOf('elastic').total).toBe(45);
    expect(coverageOf('sigma').total).toBe(16);
  });

  it('names only rules kaudit has (built in, or the Falco tuning file’s custom rules)', () => {
    const known = new Set([...builtinRules.map((r) => r.id), ...falcoCustom]);
    for (const r of anchorRules) for (const id of r.rules) expect(known.has(id), `${r.name}: ${id}`).toBe(true);
    for (const r of anchorRules) expect(r.coverage === 'rule' ? r.rules.length > 0 : true, r.name).toBe(true);
  });

  it('gives tuning documents that load, whose custom rules fire on their example and not on a plain request', () => {
    for (const r of anchorRules.filter((x) => x.tuning !== undefined)) {
      const tuning = applyTuning(builtinRules, r.tuning);
      const customIds = (r.tuning?.customRules ?? []).map((c) => c.id);
      if (customIds.length === 0) {
        expect(tuning.settings, r.name).not.toEqual(defaultRuleSettings);
        continue;
      }
      expect(r.example, r.name).toBeDefined();
      const engine = () => createEngine({ rules: tuning.rules, settings: tuning.settings });
      const fired = (event: unknown) => engine().analyze(envelopeOf(event)).findings.map((x) => x.ruleId).filter((id) => customIds.includes(id));
      expect(fired(auditEventOf(r.example ?? {})), r.name).toEqual(customIds);
      expect(fired(auditEventOf({})), r.name).toEqual([]);
    }
    for (const r of anchorRules.filter((x) => x.coverage === 'tuning' && x.tuning === undefined)) expect(r.rules.some((id) => falcoCustom.includes(id)), r.name).toBe(true);
  });

  it('covers fully (a rule or a tuning document) at least 95% of Falco’s alerting rules and of Elastic’s, and 90% of Sigma’s', () => {
    const full = (a: 'falco' | 'elastic' | 'sigma') => {
      const c = coverageOf(a);
      return (c.rule + c.tuning) / c.total;
    };
    expect(full('falco')).toBeGreaterThanOrEqual(0.95);
    expect(full('elastic')).toBeGreaterThanOrEqual(0.95);
    expect(full('sigma')).toBeGreaterThanOrEqual(0.9);
    for (const r of anchorRules.filter((x) => x.coverage === 'partial' || x.coverage === 'none')) expect(r.note.length, r.name).toBeGreaterThan(40);
  });
});
