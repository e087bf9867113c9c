import { defineWorkloadRule, wrote, allTrusted, hostNamespaceFields } from './helpers.js';

export const hostNamespace = defineWorkloadRule({ id: 'host-namespace', title: "Pod shares the node's namespaces", severity: 'high', mitre: ['T1611', 'T1610'] }, (w, { record, settings }) => {
  const shared = new Set<string>();
  for (const s of w.specs) {
    if (allTrusted(s.containers, settings)) continue;
    for (const f of hostNamespaceFields) if (s.spec[f] === true) shared.add(f);
  }
  if (shared.size === 0) return undefined;
  const hostNamespaces = [...shared];
  return { summary: `${wrote(record, w)} with ${hostNamespaces.join(', ')}.`, evidence: { hostNamespaces } };
});
