import { field, type Obj } from '../objects.js';
import { defineWorkloadRule, wrote, containerRef, nameList, untrusted } from './helpers.js';

// ---------------------------------------------------------------------------------------------------
// Host access: privileged, host namespaces, hostPath, capabilities

export const privilegedContainer = defineWorkloadRule({ id: 'privileged-container', title: 'Privileged container', severity: 'high', mitre: ['T1611', 'T1610'] }, (w, { record, settings }) => {
  const hits: Obj[] = [];
  for (const s of w.specs) {
    // Windows HostProcess containers are the Windows form of privileged (Pod Security Standards, Baseline).
    const podHostProcess = field(s.spec, 'securityContext', 'windowsOptions', 'hostProcess');
    for (const c of s.containers) {
      if (!untrusted(c, settings)) continue;
      const sc = field(c.spec, 'securityContext');
      const hostProcess = field(sc, 'windowsOptions', 'hostProcess') ?? podHostProcess;
      if (field(sc, 'privileged') === true) hits.push(containerRef(c));
      else if (hostProcess === true) hits.push({ ...containerRef(c), hostProcess: true });
    }
  }
  if (hits.length === 0) return undefined;
  return {
    summary: `${wrote(record, w)} with privileged container(s) ${nameList(hits.map((h) => String(h.name)))}.`,
    evidence: { containers: hits },
  };
});
