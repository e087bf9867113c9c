import { field, type Obj } from '../objects.js';
import { defineWorkloadRule, wrote, containerRef, seLinuxOverride } from './helpers.js';

export const seLinuxOverrideRule = defineWorkloadRule({ id: 'selinux-override', title: 'SELinux confinement overridden', severity: 'medium', mitre: ['T1611', 'T1562.001'] }, (w, { record }) => {
  const hits: Obj[] = [];
  for (const s of w.specs) {
    const pod = seLinuxOverride(field(s.spec, 'securityContext', 'seLinuxOptions'));
    if (pod) hits.push({ scope: 'pod', seLinuxOptions: pod });
    for (const c of s.containers) {
      const own = seLinuxOverride(field(c.spec, 'securityContext', 'seLinuxOptions'));
      if (own) hits.push({ scope: 'container', ...containerRef(c), seLinuxOptions: own });
    }
  }
  if (hits.length === 0) return undefined;
  const what = hits.map((h) => `${h.scope === 'pod' ? 'pod' : String(h.name)}: ${JSON.stringify(h.seLinuxOptions)}`).join(', ');
  return { summary: `${wrote(record, w)} overriding SELinux options (${what}).`, evidence: { seLinux: hits } };
});
