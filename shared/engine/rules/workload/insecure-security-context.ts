import { strings, type Obj } from '../objects.js';
import { defineWorkloadRule, wrote, containerRef, untrusted, insecureSettings } from './helpers.js';

export const insecureSecurityContext = defineWorkloadRule({ id: 'insecure-security-context', title: 'Insecure container security context', severity: 'medium', mitre: ['T1611', 'T1610'] }, (w, { record, settings }) => {
  const hits: Obj[] = [];
  for (const s of w.specs) {
    for (const c of s.containers) {
      if (!untrusted(c, settings)) continue;
      const issues = insecureSettings(s, c);
      if (issues.length > 0) hits.push({ ...containerRef(c), issues });
    }
  }
  if (hits.length === 0) return undefined;
  const detail = hits.map((h) => `${String(h.name)} (${strings(h.issues).join('; ')})`).join(', ');
  return { summary: `${wrote(record, w)} with an insecure security context: ${detail}.`, evidence: { containers: hits } };
});
