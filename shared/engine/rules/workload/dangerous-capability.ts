import { field, strings, type Obj } from '../objects.js';
import { defineWorkloadRule, wrote, containerRef, nameList, containersOfWrite, untrusted, dangerousCapabilities, capabilityName } from './helpers.js';

export const dangerousCapability = defineWorkloadRule({ id: 'dangerous-capability', title: 'Dangerous Linux capability added', severity: 'high', mitre: ['T1611', 'T1610'] }, (w, { record, settings }) => {
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
});
