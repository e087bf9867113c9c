import { arr, field, str, type Obj } from '../objects.js';
import { defineWorkloadRule, wrote, allTrusted, sensitiveHostPath, mounts } from './helpers.js';

export const sensitiveHostMount = defineWorkloadRule({ id: 'sensitive-host-mount', title: 'Sensitive host path mounted', severity: 'high', mitre: ['T1611', 'T1610'] }, (w, { record, settings }) => {
  const hostPaths: Obj[] = [];
  for (const s of w.specs) {
    for (const v of arr(s.spec.volumes)) {
      const hostPath = str(field(v, 'hostPath', 'path'));
      const sensitive = hostPath === undefined ? undefined : sensitiveHostPath(hostPath, settings.sensitiveHostPaths);
      if (sensitive === undefined) continue;
      const volume = str(field(v, 'name')) ?? '';
      const mountedBy = s.containers.filter((c) => mounts(c, volume));
      if (allTrusted(mountedBy.length > 0 ? mountedBy : s.containers, settings)) continue;
      hostPaths.push({ volume, path: hostPath, sensitive, mountedBy: mountedBy.map((c) => c.name) });
    }
  }
  if (hostPaths.length === 0) return undefined;
  return {
    summary: `${wrote(record, w)} mounting host path(s) ${hostPaths.map((h) => String(h.path)).join(', ')}.`,
    evidence: { hostPaths },
  };
});
