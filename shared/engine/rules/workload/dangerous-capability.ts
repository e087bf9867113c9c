import { field, strings, type Obj } from '../objects.js';
import { workloadWrite } from './pod-spec.js';
import type { Rule } from '../types.js';
import { wrote, containerRef, nameList, containersOfWrite, untrusted, dangerousCapabilities, capabilityName } from './helpers.js';

export const dangerousCapability: Rule = {
  id: 'dangerous-capability',
  title: 'Dangerous Linux capability added',
  severity: 'high',
  category: 'workload',
  mitre: ['T1611', 'T1610'],
  evaluate({ record, event, settings }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const hits: Obj[] = [];
    for (const c of containersOfWrite(w)) {
      const added = strings(field(c.spec, 'securityContext', 'capabilities', 'add'));
      const capabilities = added.filter((cap) => dangerousCapabilities.has(capabilityName(cap)));
      if (capabilities.length > 0 && untrusted(c, settings)) hits.push({ ...containerRef(c), capabilities });
    }
    if (hits.length === 0) return undefined;
    const caps = [...new Set(hits.flatMap((h) => strings(h.capabilities)))];
    return {
      summary: `${wrote(record, w)} adding capabilities ${caps.join(', ')} to ${nameList(hits.map((h) => String(h.name)))}.`,
      evidence: { containers: hits },
    };
  },
};
