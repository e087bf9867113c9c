// Conformance of kaudit's rules with the two peer suites in ../shared/corpus: Falco's k8saudit traces (outcomes
// in falco-k8s-audit/EXPECTED.md) and Panther's rule tests (panther-analysis/panther_k8s_tests.jsonl). The
// evaluation is shared by test/unit/conformance-falco.test.ts, test/unit/conformance-panther.test.ts and the
// generator of docs/conformance.md. Regenerate that file (tsx needs the `source` condition to resolve #shared/*):
//   npx tsx --conditions=source scripts/conformance-report.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { auditEventSchema, gkeAuditEvent, isObj, type Obj, unwrapDocument } from '#shared/contracts';
import { applyTuning, builtinRules, createEngine, loadTuning, type Tuning, type TuningInput } from '#shared/engine';
import { corpusDir, corpusLines, envelopeOf, pantherTests, repoRoot, type PantherTest } from '#shared/testing';
import { comparableBases, falcoExceptions, falcoOverrides, falcoRules, type FalcoException, type TuningFragment } from './falco-mapping.js';
import { anchorRules, coverageOf, type Anchor } from './anchor-rules.js';
import { categoryMeaning, knownDisagreements, pantherRules, type DisagreementCategory, type KnownDisagreement, type PantherMapping } from './panther-mapping.js';

export const refreshCommand = 'npx tsx --conditions=source scripts/conformance-report.ts';
export const falcoTuningFile = path.join(repoRoot, 'test', 'conformance', 'falco.tuning.yaml');
export const reportFile = path.join(repoRoot, 'docs', 'conformance.md');

const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

// ---------------------------------------------------------------------------------------------------
// Falco: the legacy matrix of EXPECTED.md, one case per row

export interface FalcoExpectation {
  rule: string;
  count: number;
}

export interface FalcoCase {
  trace: string;
  name: string;
  /** default | engine_v4 | default+engine_v4 | none */
  base: string;
  overrides: readonly string[];
  /** The rules the harness expects, each with its alert count; empty for a "no alert" case. */
  expected: readonly FalcoExpectation[];
  noAlert: boolean;
}

export function falcoExpectedMarkdown(): string {
  return readFileSync(path.join(corpusDir, 'falco-k8s-audit', 'EXPECTED.md'), 'utf8');
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`EXPECTED.md has no section "${heading}"`);
  const end = markdown.indexOf('\n## ', start + heading.length);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const expectation = /`([^`]+)` x(\d+)/g;

/** The cases of the table "Per-trace expectations (legacy harness …)"; `〃` repeats the trace above. */
export function falcoCases(markdown = falcoExpectedMarkdown()): FalcoCase[] {
  const cases: FalcoCase[] = [];
  let trace = '';
  for (const line of section(markdown, '## Per-trace expectations').split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [file = '', , name = '', base = '', overrides = '', expected = ''] = cells;
    if (cells.length !== 6 || file === 'trace file' || file.startsWith('---')) continue;
    if (file !== '〃') trace = file;
    cases.push({
      trace,
      name,
      base,
      overrides: overrides === '-' ? [] : overrides.split(',').map((o) => o.trim()),
      expected: [...expected.matchAll(expectation)].map((m) => ({ rule: m[1] ?? '', count: Number(m[2]) })),
      noAlert: expected.includes('**no alert**'),
    });
  }
  return cases;
}

/** Every Falco rule EXPECTED.md names in an expectation: the legacy table and the newest port's list. */
export function falcoRuleNames(markdown = falcoExpectedMarkdown()): string[] {
  const legacy = falcoCases(markdown).flatMap((c) => c.expected.map((e) => e.rule));
  const newest = [...section(markdown, '## Newest port').matchAll(/→ `([^`]+)` x\d+/g)].map((m) => m[1] ?? '');
  return [...new Set([...legacy, ...newest])];
}

/** falco.tuning.yaml with the case's override fragments merged in: lists appended, exceptions appended, enabled set. */
export function layerTuning(doc: unknown, fragments: readonly TuningFragment[]): Obj {
  const base = asObj(doc);
  const lists: Obj = { ...asObj(base.lists) };
  const rules: Obj = { ...asObj(base.rules) };
  for (const f of fragments) {
    for (const [key, values] of Object.entries(f.lists ?? {})) lists[key] = [...asArray(lists[key]), ...values];
    for (const [id, o] of Object.entries(f.rules ?? {})) {
      const prev = asObj(rules[id]);
      rules[id] = {
        ...prev,
        ...(o.enabled === undefined ? {} : { enabled: o.enabled }),
        exceptions: [...asArray(prev.exceptions), ...(o.exceptions ?? [])],
      };
    }
  }
  return { ...base, lists, rules };
}

export function falcoTuning(overrides: readonly string[]): Tuning {
  if (overrides.length === 0) return loadTuning(builtinRules, falcoTuningFile);
  const fragments = overrides.map((o) => {
    const f = falcoOverrides[o];
    if (!f) throw new Error(`Falco override ${o} has no tuning fragment in test/conformance/falco-mapping.ts (falcoOverrides)`);
    return f;
  });
  return applyTuning(builtinRules, layerTuning(parseYaml(readFileSync(falcoTuningFile, 'utf8')) as unknown, fragments));
}

export interface FalcoVerdict {
  caseName: string;
  trace: string;
  falcoRule: string;
  ours: readonly string[];
  /** Falco's expectation: the rule fires (positive case) or nothing fires (no-alert case). */
  falcoFires: boolean;
  /** Alerts Falco expects (positive cases only). */
  falcoCount: number | null;
  /** Events of the trace on which any of `ours` fired. */
  oursCount: number;
  /** A documented difference: kaudit's verdict is `exception.oursFires`. */
  exception: FalcoException | undefined;
}

export interface FalcoRun {
  cases: FalcoCase[];
  verdicts: FalcoVerdict[];
  /** Expectations on Falco rules without a kaudit equivalent (not asserted). */
  unmapped: { caseName: string; falcoRule: string }[];
  /** Falco rule names of EXPECTED.md missing from falcoRules (must be none). */
  unknownRules: string[];
  /** Cases that load no rule set kaudit stands for (base `none`). */
  notComparable: { caseName: string; reason: string }[];
  /** Trace lines that are not audit events (auditEventSchema), per case. */
  rejected: { caseName: string; trace: string; error: string }[];
  /** Runtime CEL errors of falco.tuning.yaml's rules and exceptions, by rule id (must be none). */
  celErrors: Record<string, number>;
}

const mappedFalcoRules = () => Object.entries(falcoRules).flatMap(([rule, m]) => (m.ours ? [{ rule, ours: m.ours }] : []));

export function runFalco(markdown = falcoExpectedMarkdown()): FalcoRun {
  const cases = falcoCases(markdown);
  const run: FalcoRun = { cases, verdicts: [], unmapped: [], unknownRules: [], notComparable: [], rejected: [], celErrors: {} };
  run.unknownRules = falcoRuleNames(markdown).filter((r) => !(r in falcoRules));
  const tunings = new Map<string, Tuning>();
  for (const c of cases) {
    if (!comparableBases.has(c.base)) {
      run.notComparable.push({ caseName: c.name, reason: `base rules "${c.base}": only ${c.overrides.join(', ')} is loaded, a Falco engine test with no kaudit counterpart` });
      continue;
    }
    const key = c.overrides.join(',');
    const tuning = tunings.get(key) ?? falcoTuning(c.overrides);
    tunings.set(key, tuning);
    // A fresh engine per case: each case is a separate Falco run, and stateful rules must not carry over.
    const engine = createEngine({ rules: tuning.rules, settings: tuning.settings });
    const firedPerEvent: Set<string>[] = [];
    for (const line of corpusLines(`falco-k8s-audit/${c.trace}`)) {
      for (const item of unwrapDocument(line)) {
        const parsed = auditEventSchema.safeParse(item);
        if (!parsed.success) {
          run.rejected.push({ caseName: c.name, trace: c.trace, error: parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ') });
          continue;
        }
        firedPerEvent.push(new Set(engine.analyze(envelopeOf(parsed.data)).findings.map((f) => f.ruleId)));
      }
    }
    // A trace with no audit event in it (the malformed fixture) has nothing to compare: it is in `rejected`.
    if (firedPerEvent.length === 0) continue;
    const count = (ours: readonly string[]) => firedPerEvent.filter((s) => ours.some((id) => s.has(id))).length;
    const exceptionFor = (rule: string) => falcoExceptions.find((e) => e.falcoRule === rule && e.cases.includes(c.name));
    for (const e of c.expected) {
      const ours = falcoRules[e.rule]?.ours;
      if (ours === undefined) continue; // listed in unknownRules
      if (ours === null) {
        run.unmapped.push({ caseName: c.name, falcoRule: e.rule });
        continue;
      }
      run.verdicts.push({ caseName: c.name, trace: c.trace, falcoRule: e.rule, ours, falcoFires: true, falcoCount: e.count, oursCount: count(ours), exception: exceptionFor(e.rule) });
    }
    if (c.noAlert) {
      for (const m of mappedFalcoRules()) {
        run.verdicts.push({ caseName: c.name, trace: c.trace, falcoRule: m.rule, ours: m.ours, falcoFires: false, falcoCount: null, oursCount: count(m.ours), exception: exceptionFor(m.rule) });
      }
    }
  }
  for (const t of tunings.values()) for (const [id, n] of t.errors.counts) run.celErrors[id] = (run.celErrors[id] ?? 0) + n;
  return run;
}

/** The verdict the tests assert for kaudit: Falco's, unless a documented exception says otherwise. */
export const falcoAssertedFires = (v: FalcoVerdict): boolean => v.exception?.oursFires ?? v.falcoFires;
export const falcoAgrees = (v: FalcoVerdict): boolean => v.oursCount > 0 === v.falcoFires;

// ---------------------------------------------------------------------------------------------------
// Panther: each native-Event, AKS-wrapped or GKE test of a mapped rule, one fresh engine per test

const nativeFormats: ReadonlySet<string> = new Set(['k8s_audit_event', 'azure_diagnostics_wrapped_string']);
/** GKE Cloud Audit Log entries: converted into Events (shared/contracts/gke-audit-log.ts) before they are run. */
export const gkeFormat = 'gcp_cloud_audit_log';
const comparableFormats: ReadonlySet<string> = new Set([...nativeFormats, gkeFormat]);
export const disagreementKey = (sourceFile: string, testName: string): string => `${sourceFile} | ${testName}`;

export interface PantherVerdict {
  sourceFile: string;
  ruleId: string;
  testName: string;
  format: string;
  expected: boolean;
  ours: readonly string[];
  /** Every kaudit rule that fired on the event. */
  fired: readonly string[];
  oursFires: boolean;
  /** Whether a mapped rule fired with Panther's scope as tuning (the mapping's asTuning; the default without one). */
  oursFiresScoped: boolean;
  /** The event passed auditEventSchema (a GKE entry: it converted, and its Event passed). */
  valid: boolean;
  /** Why a GKE entry could not be converted into an Event. */
  notConverted: string | undefined;
  /** Panther counts the event toward a threshold > 1: stateful rules ran with threshold 1. */
  thresholdOne: boolean;
  known: KnownDisagreement | undefined;
}

export interface PantherRun {
  verdicts: PantherVerdict[];
  /** Tests per source file and format, whatever the mapping (for the report's out-of-scope counts). */
  testsByFile: Map<string, Map<string, number>>;
  /** Source files of the corpus without a pantherRules entry (must be none). */
  unknownFiles: string[];
  /** Runtime CEL errors of the asTuning exceptions, by rule id (must be none). */
  celErrors: Record<string, number>;
  /** Every GKE test of the corpus, mapped or not, through the conversion: how many became Events, and why the others did not. */
  gke: { total: number; converted: number; notConverted: { sourceFile: string; testName: string; reason: string }[] };
}

const thresholdOf = (t: PantherTest): number => {
  const v = (t as PantherTest & { threshold?: unknown }).threshold;
  return typeof v === 'number' ? v : 1;
};

/**
 * The audit Event a Panther test carries: Panther's `p_*` enrichment keys dropped, AKS records unwrapped, GKE
 * entries converted; or why a GKE entry is no Event.
 */
export function pantherEvent(t: PantherTest): { ok: true; event: unknown } | { ok: false; reason: string } {
  const clean = Object.fromEntries(Object.entries(t.log).filter(([k]) => !k.startsWith('p_')));
  if (t.format === gkeFormat) return gkeAuditEvent(clean);
  return { ok: true, event: t.format === 'k8s_audit_event' ? clean : unwrapDocument(clean)[0] };
}

const thresholdsAtOne = { anonymousScan: 1, forbiddenBurst: 1, secretReadBurst: 1 } as const;

/** The tuning a Panther test runs with: the mapping's asTuning (scoped) or the defaults, thresholds at one when Panther counts. */
function pantherTuning(mapping: PantherMapping, scoped: boolean, atOne: boolean): Tuning {
  const doc: TuningInput = scoped ? (mapping.asTuning ?? {}) : {};
  return applyTuning(builtinRules, atOne ? { ...doc, thresholds: { ...doc.thresholds, ...thresholdsAtOne } } : doc);
}

export function runPanther(): PantherRun {
  const tunings = new Map<string, Tuning>();
  const tuningFor = (file: string, mapping: PantherMapping, scoped: boolean, atOne: boolean): Tuning => {
    const key = `${file}|${String(scoped)}|${String(atOne)}`;
    const t = tunings.get(key) ?? pantherTuning(mapping, scoped, atOne);
    tunings.set(key, t);
    return t;
  };
  const run: PantherRun = { verdicts: [], testsByFile: new Map(), unknownFiles: [], celErrors: {}, gke: { total: 0, converted: 0, notConverted: [] } };
  for (const t of pantherTests()) {
    const perFormat = run.testsByFile.get(t.source_file) ?? new Map<string, number>();
    perFormat.set(t.format, (perFormat.get(t.format) ?? 0) + 1);
    run.testsByFile.set(t.source_file, perFormat);
    const event = pantherEvent(t);
    if (t.format === gkeFormat) {
      run.gke.total += 1;
      if (event.ok) run.gke.converted += 1;
      else run.gke.notConverted.push({ sourceFile: t.source_file, testName: t.test_name, reason: event.reason });
    }
    const mapping = pantherRules[t.source_file];
    if (!mapping) {
      if (!run.unknownFiles.includes(t.source_file)) run.unknownFiles.push(t.source_file);
      continue;
    }
    if (mapping.ours === null || !comparableFormats.has(t.format)) continue;
    const atOne = thresholdOf(t) > 1;
    const parsed = event.ok ? auditEventSchema.safeParse(event.event) : undefined;
    const firedWith = (tuning: Tuning): string[] =>
      parsed?.success === true
        ? createEngine({ rules: tuning.rules, settings: tuning.settings })
            .analyze(envelopeOf(parsed.data))
            .findings.map((f) => f.ruleId)
        : [];
    const fired = firedWith(tuningFor(t.source_file, mapping, false, atOne));
    const firedScoped = firedWith(tuningFor(t.source_file, mapping, true, atOne));
    const ours = mapping.ours;
    run.verdicts.push({
      sourceFile: t.source_file,
      ruleId: t.rule_id,
      testName: t.test_name,
      format: t.format,
      expected: t.expected_result,
      ours,
      fired,
      oursFires: ours.some((id) => fired.includes(id)),
      oursFiresScoped: ours.some((id) => firedScoped.includes(id)),
      valid: parsed?.success === true,
      notConverted: event.ok ? undefined : event.reason,
      thresholdOne: atOne,
      known: knownDisagreements[disagreementKey(t.source_file, t.test_name)],
    });
  }
  for (const t of tunings.values()) for (const [id, n] of t.errors.counts) run.celErrors[id] = (run.celErrors[id] ?? 0) + n;
  return run;
}

export const pantherAgrees = (v: PantherVerdict): boolean => v.oursFires === v.expected;
/** Agreement with Panther's scope expressed as kaudit tuning (PantherMapping.asTuning). */
export const pantherAgreesScoped = (v: PantherVerdict): boolean => v.oursFiresScoped === v.expected;

// ---------------------------------------------------------------------------------------------------
// The report (docs/conformance.md)

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (ids: readonly string[] | null): string => (ids === null ? '—' : ids.map((id) => `\`${id}\``).join(', '));
const ratio = (n: number, m: number): string => `${String(n)}/${String(m)}`;
const percent = (n: number, m: number): string => (m === 0 ? 'n/a' : `${((100 * n) / m).toFixed(1)}%`);
const yesNo = (b: boolean): string => (b ? 'fires' : 'silent');
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string[] => [
  row(head),
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map(row),
];

export interface Summary {
  falcoPositive: { agree: number; total: number };
  falcoNegative: { agree: number; total: number };
  panther: { agree: number; total: number };
  /** With each Panther rule's scope as kaudit tuning (PantherMapping.asTuning). */
  pantherScoped: { agree: number; total: number };
  /** The GKE tests among them (converted Cloud Audit Log entries), default tuning. */
  pantherGke: { agree: number; total: number };
  pantherByCategory: Record<DisagreementCategory, number>;
}

export function summarize(falco: FalcoRun, panther: PantherRun): Summary {
  const pos = falco.verdicts.filter((v) => v.falcoFires);
  const neg = falco.verdicts.filter((v) => !v.falcoFires);
  const gke = panther.verdicts.filter((v) => v.format === gkeFormat);
  const byCategory: Record<DisagreementCategory, number> = { 'ours-stricter': 0, 'theirs-narrower': 0, 'needs-context': 0, 'peer-quirk': 0 };
  for (const v of panther.verdicts) if (!pantherAgrees(v) && v.known) byCategory[v.known.category] += 1;
  return {
    falcoPositive: { agree: pos.filter(falcoAgrees).length, total: pos.length },
    falcoNegative: { agree: neg.filter(falcoAgrees).length, total: neg.length },
    panther: { agree: panther.verdicts.filter(pantherAgrees).length, total: panther.verdicts.length },
    pantherScoped: { agree: panther.verdicts.filter(pantherAgreesScoped).length, total: panther.verdicts.length },
    pantherGke: { agree: gke.filter(pantherAgrees).length, total: gke.length },
    pantherByCategory: byCategory,
  };
}

function falcoSection(falco: FalcoRun): string[] {
  const out: string[] = ['## Falco k8saudit', ''];
  const comparable = falco.cases.length - falco.notComparable.length;
  out.push(
    `Each legacy case of \`falco-k8s-audit/EXPECTED.md\` (${String(falco.cases.length)} cases, ${String(comparable)} comparable) replays its trace through a fresh engine configured with \`test/conformance/falco.tuning.yaml\` (Falco's default allow-lists as kaudit tuning) plus the case's override files as tuning fragments (\`falcoOverrides\` in \`test/conformance/falco-mapping.ts\`). A case that expects a rule counts as agreeing when the mapped kaudit rule fires on the trace (the test also checks the alert count); a "no alert" case counts, for every mapped rule, as agreeing when that rule stays silent.`,
    '',
    '### Mapped rules',
    '',
  );
  const rows = Object.entries(falcoRules)
    .filter(([, m]) => m.ours !== null)
    .map(([rule, m]) => {
      const mine = falco.verdicts.filter((v) => v.falcoRule === rule);
      const pos = mine.filter((v) => v.falcoFires);
      const neg = mine.filter((v) => !v.falcoFires);
      return [rule, m.priority, code(m.ours), ratio(pos.filter(falcoAgrees).length, pos.length), ratio(neg.filter(falcoAgrees).length, neg.length), m.note];
    });
  out.push(...table(['Falco rule', 'priority', 'kaudit rule(s)', 'fires where Falco expects it', 'silent in no-alert cases', 'note'], rows), '');
  const differences = falco.verdicts.filter((v) => !falcoAgrees(v));
  out.push('### Disagreements', '');
  if (differences.length === 0) out.push('None.');
  else {
    out.push(
      ...table(
        ['Falco rule', 'case', 'trace', 'Falco', 'kaudit', 'reason'],
        differences.map((v) => [v.falcoRule, v.caseName, v.trace, yesNo(v.falcoFires), yesNo(v.oursCount > 0), v.exception?.reason ?? 'UNDOCUMENTED']),
      ),
    );
  }
  out.push('', '### Not mapped', '');
  const unmappedRows = Object.entries(falcoRules)
    .filter(([, m]) => m.ours === null)
    .map(([rule, m]) => [rule, m.priority, String(falco.unmapped.filter((u) => u.falcoRule === rule).length), m.note]);
  out.push(...table(['Falco rule', 'priority', 'legacy cases expecting it', 'reason'], unmappedRows), '');
  out.push('### Cases not compared', '');
  out.push(...table(['case', 'reason'], falco.notComparable.map((n) => [n.caseName, n.reason])), '');
  out.push('### Malformed input', '');
  const rejectedTraces = [...new Set(falco.rejected.map((r) => r.trace))];
  out.push(
    ...table(
      ['trace', 'cases', 'rejected by auditEventSchema', 'why'],
      rejectedTraces.map((t) => {
        const rs = falco.rejected.filter((r) => r.trace === t);
        return [t, rs.map((r) => r.caseName).join(', '), 'yes', rs[0]?.error ?? ''];
      }),
    ),
    '',
  );
  return out;
}

function pantherSection(panther: PantherRun): string[] {
  const out: string[] = ['## Panther', ''];
  out.push(
    'Each test of a mapped Panther rule whose log is a native audit Event (`k8s_audit_event`, Panther `p_*` keys dropped), an AKS diagnostic record wrapping one (`azure_diagnostics_wrapped_string`, unwrapped) or a GKE Cloud Audit Log entry (`gcp_cloud_audit_log`, converted into an Event by `gkeAuditEvent`, shared/contracts/gke-audit-log.ts) runs through a fresh engine twice: with the default tuning, and with Panther’s scope for that rule written as a kaudit tuning document (below: the exclusions and lists Panther’s rule applies, as CEL exceptions and lists, the way `falco.tuning.yaml` carries Falco’s allow-lists). A test agrees when a mapped kaudit rule fires exactly when Panther’s ExpectedResult is true. For Panther rules with a threshold above 1, kaudit’s stateful rules run with their threshold tuned to 1 (Panther’s ExpectedResult says whether one event counts toward the threshold).',
    '',
    '### Mapped rules',
    '',
  );
  const fileTests = (file: string, formats: (f: string) => boolean): number =>
    [...(panther.testsByFile.get(file) ?? new Map<string, number>())].filter(([f]) => formats(f)).reduce((n, [, k]) => n + k, 0);
  const mappedRows = Object.entries(pantherRules)
    .filter(([, m]) => m.ours !== null)
    .map(([file, m]) => {
      const mine = panther.verdicts.filter((v) => v.sourceFile === file);
      const agree = mine.filter(pantherAgrees).length;
      const scoped = mine.filter(pantherAgreesScoped).length;
      return [m.ruleId, file, code(m.ours), ratio(agree, mine.length), ratio(scoped, mine.length), String(fileTests(file, (f) => !comparableFormats.has(f))), m.note];
    });
  out.push(...table(['Panther rule', 'file', 'kaudit rule(s)', 'agree (default tuning)', 'agree (Panther’s scope as tuning)', 'other tests (out of scope)', 'note'], mappedRows), '');
  out.push(
    '### Panther’s scope as kaudit tuning',
    '',
    'What a site that wants a Panther rule’s behaviour would put in its rules file (`KAUDIT_RULES_FILE`, README “Tuning and custom rules”). Mostly exclusions Panther makes and kaudit does not by default (creation only, system principals and namespaces, private addresses); some widen kaudit’s lists (`adminRoles`, `systemNamespaces`, `sensitiveHostPaths`, `publicPaths`).',
    '',
  );
  for (const m of Object.values(pantherRules)) {
    if (m.ours === null || m.asTuning === undefined) continue;
    out.push(`**${m.ruleId}**`, '', '```yaml', toYaml(m.asTuning, { lineWidth: 0 }).trimEnd(), '```', '');
  }
  out.push('### Disagreements', '');
  const differences = panther.verdicts.filter((v) => !pantherAgrees(v));
  out.push(
    ...table(
      ['Panther rule', 'test', 'Panther', 'kaudit', 'category', 'reason', 'with Panther’s scope as tuning'],
      differences.map((v) => [
        v.ruleId,
        v.testName,
        yesNo(v.expected),
        yesNo(v.oursFires),
        v.known?.category ?? 'UNDOCUMENTED',
        v.known?.reason ?? '',
        pantherAgreesScoped(v) ? 'agrees' : 'differs',
      ]),
    ),
    '',
  );
  out.push('Categories:', '');
  for (const [category, meaning] of Object.entries(categoryMeaning)) out.push(`- \`${category}\`: ${meaning}.`);
  out.push('', '### Not mapped', '');
  const unmappedRows = Object.entries(pantherRules)
    .filter(([, m]) => m.ours === null)
    .map(([file, m]) => [m.ruleId, file, String(fileTests(file, (f) => comparableFormats.has(f))), String(fileTests(file, (f) => !comparableFormats.has(f))), m.note]);
  out.push(...table(['Panther rule', 'file', 'native/AKS/GKE tests', 'other tests', 'reason'], unmappedRows), '');
  return [...out, ...gkeSection(panther)];
}

function gkeSection(panther: PantherRun): string[] {
  const { gke } = panther;
  const mine = panther.verdicts.filter((v) => v.format === gkeFormat);
  const out: string[] = ['### GKE Cloud Audit Log entries', ''];
  out.push(
    `All ${String(gke.total)} GKE tests of the corpus, mapped or not, go through the conversion: ${String(gke.converted)} become audit Events (each marked \`kaudit.io/converted-from: gke-cloud-audit-log\`), ${String(gke.notConverted.length)} cannot be, each refused with the reason below (most are no Kubernetes request at all). Of the GKE tests of mapped rules, ${String(mine.filter(pantherAgrees).length)} of ${String(mine.length)} agree with the default tuning, ${String(mine.filter(pantherAgreesScoped).length)} with Panther’s scope as tuning.`,
    '',
  );
  out.push(...table(['Panther rule file', 'test', 'why it is no audit Event'], gke.notConverted.map((n) => [n.sourceFile, n.testName, n.reason])), '');
  return out;
}

export function renderReport(falco: FalcoRun, panther: PantherRun): string {
  const s = summarize(falco, panther);
  const categories = Object.entries(s.pantherByCategory)
    .map(([c, n]) => `${c} ${String(n)}`)
    .join(', ');
  const lines = [
    '# Conformance with Falco, Elastic, Sigma and Panther',
    '',
    `<!-- Generated by \`${refreshCommand}\` from test/conformance/ and ../shared/corpus; do not edit. test/unit/conformance-panther.test.ts fails when this file is stale. -->`,
    '',
    'How kaudit’s rules (README “Detection rules”) compare with two peer suites whose events and expected outcomes live in `../shared/corpus`: Falco’s k8saudit trace matrix (`falco-k8s-audit/EXPECTED.md`) and Panther’s rule tests (`panther-analysis/panther_k8s_tests.jsonl`). Each peer rule is mapped to the kaudit rule(s) that report the same behaviour, or to none with a reason (`test/conformance/falco-mapping.ts`, `test/conformance/panther-mapping.ts`). Every disagreement is listed below with its reason; the conformance tests fail on an unlisted one, and on a listed one that has come to agree.',
    '',
    '## Summary',
    '',
    ...table(
      ['comparison', 'agree', 'share'],
      [
        ['Falco: mapped rule fires where a case expects it', ratio(s.falcoPositive.agree, s.falcoPositive.total), percent(s.falcoPositive.agree, s.falcoPositive.total)],
        ['Falco: mapped rules silent in "no alert" cases', ratio(s.falcoNegative.agree, s.falcoNegative.total), percent(s.falcoNegative.agree, s.falcoNegative.total)],
        ['Panther: native, AKS-wrapped and GKE tests of mapped rules, default tuning', ratio(s.panther.agree, s.panther.total), percent(s.panther.agree, s.panther.total)],
        ['Panther: the same, each Panther rule’s scope as kaudit tuning', ratio(s.pantherScoped.agree, s.pantherScoped.total), percent(s.pantherScoped.agree, s.pantherScoped.total)],
        ['Panther: of these, the GKE tests (converted from Cloud Audit Log entries), default tuning', ratio(s.pantherGke.agree, s.pantherGke.total), percent(s.pantherGke.agree, s.pantherGke.total)],
      ],
    ),
    '',
    `Panther disagreements with the default tuning, by category: ${categories}. Falco’s malformed fixture \`fal_01_003.json\` (\`{"kind": 0}\`) is ${falco.rejected.some((r) => r.trace === 'fal_01_003.json') ? 'rejected' : 'NOT rejected'} by \`auditEventSchema\`.`,
    '',
    ...anchorSection(),
    ...falcoSection(falco),
    ...pantherSection(panther),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

const anchorTitle: Readonly<Record<Anchor, string>> = {
  falco: 'Falco (falcosecurity/plugins `plugins/k8saudit/rules/k8s_audit_rules.yaml`)',
  elastic: 'Elastic (elastic/detection-rules `rules/integrations/kubernetes/*.toml`)',
  sigma: 'Sigma (SigmaHQ/sigma `rules/application/kubernetes/audit/`)',
};

/** Every rule of the anchors' rule files and what covers it (test/conformance/anchor-rules.ts). */
function anchorSection(): string[] {
  const out: string[] = ['## The anchors’ rule files, rule by rule', ''];
  out.push(
    'Every rule of Falco’s, Elastic’s and Sigma’s Kubernetes audit rule files (Panther’s are mapped test by test in its section below), with what covers it in kaudit (`test/conformance/anchor-rules.ts`, checked by `test/unit/anchor-rules.test.ts`). **rule**: a built-in rule reports it with the default tuning; **tuning**: a tuning document, shown below the tables, gives the anchor’s behaviour (a list, a threshold or a custom CEL rule a site adds to its rules file; the test loads each and fires its custom rules on an example); **partial**: kaudit reports part of it, the note says which; **none**: kaudit does not, the note says why. Coverage counts Falco’s rules above INFO and every Elastic and Sigma rule.',
    '',
  );
  out.push(
    ...table(
      ['anchor', 'rules', 'built-in rule', 'tuning', 'full (rule or tuning)', 'partial', 'none'],
      (['falco', 'elastic', 'sigma'] as const).map((a) => {
        const c = coverageOf(a);
        return [a, String(c.total), `${String(c.rule)} (${percent(c.rule, c.total)})`, String(c.tuning), `${String(c.rule + c.tuning)} (${percent(c.rule + c.tuning, c.total)})`, String(c.partial), String(c.none)];
      }),
    ),
    '',
  );
  for (const a of ['falco', 'elastic', 'sigma'] as const) {
    out.push(`### ${anchorTitle[a]}`, '');
    const rows = anchorRules.filter((r) => r.anchor === a);
    out.push(...table(['rule', a === 'falco' ? 'priority' : a === 'elastic' ? 'severity' : 'level', 'coverage', 'kaudit', 'note'], rows.map((r) => [r.name, r.level, r.tuning ? `${r.coverage} (below)` : r.coverage, r.rules.map((id) => `\`${id}\``).join(', ') || '—', r.note])), '');
    for (const r of rows.filter((x) => x.tuning !== undefined)) out.push(`**${r.name}**`, '', '```yaml', toYaml(r.tuning).trimEnd(), '```', '');
  }
  return out;
}

/** Runs both suites and writes docs/conformance.md (scripts/conformance-report.ts). */
export function writeReport(file = reportFile): string {
  const markdown = renderReport(runFalco(), runPanther());
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  return file;
}
