// The README's rule table is the catalogue: the same ids, in the same order, with the same severity, category
// and title as builtinRules, and the count the text gives. A rule added without its row (or a row left
// behind) fails here. The authentication, credential and CSR rules are also checked against the severities
// they are meant to have.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRules } from '#shared/engine';
import { repoRoot } from '#shared/testing';
import { identityRules, type IdentityRule } from './helpers.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Detection rules'), readme.indexOf('\n## ', readme.indexOf('## Detection rules') + 3));

describe('the README rule table', () => {
  it('lists every built-in rule, in catalogue order, with its severity, category and title', () => {
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` \| ([a-z]+) \| ([a-z]+) \| (.+?) \|$/gm)].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(rows).toEqual(builtinRules.map((r) => [r.id, r.severity, r.category, r.title]));
  });

  it('gives the number of rules the catalogue holds', () => {
    expect(section).toContain(`${String(builtinRules.length)} rules`);
  });
});

describe('one file per rule', () => {
  it('finds every rule in shared/engine/rules/<category>/<rule id>.ts, exporting it', async () => {
    for (const rule of builtinRules) {
      const file = path.join(repoRoot, 'shared', 'engine', 'rules', rule.category, `${rule.id}.ts`);
      expect(existsSync(file), file).toBe(true);
      const exported = Object.values((await import(file)) as Record<string, unknown>);
      expect(exported, rule.id).toContain(rule);
    }
  });
});

describe('the authentication, credential and CSR rules', () => {
  it('registers every rule once, with the severity the README’s rule table gives it', () => {
    const severities: Record<IdentityRule, string> = {
      'anonymous-kubelet-access': 'critical',
      'anonymous-binding-created': 'critical',
      'system-masters-used': 'medium',
      'bootstrap-token-misuse': 'high',
      'privileged-impersonation': 'high',
      'legacy-token-used': 'medium',
      'legacy-token-secret-created': 'medium',
      'token-minted': 'medium',
      'csr-client-cert-requested': 'high',
      'csr-approved-manually': 'high',
      'csr-privileged-subject': 'critical',
      'csr-node-mismatch': 'high',
    };
    for (const id of identityRules) {
      const rules = builtinRules.filter((r) => r.id === id);
      expect(rules, id).toHaveLength(1);
      expect(rules[0]?.severity, id).toBe(severities[id]);
      expect(rules[0]?.mitre.every((m) => /^T\d{4}(\.\d{3})?$/.test(m)), id).toBe(true);
    }
    expect(builtinRules.filter((r) => r.id === 'anonymous-request-allowed' || r.id === 'stale-token')).toHaveLength(2);
  });
});
