import { isDigestPinned, workloadWrite } from './pod-spec.js';
import type { Rule } from '../types.js';
import { wrote, containerRef, containersOfWrite } from './helpers.js';

// ---------------------------------------------------------------------------------------------------
// Images

export const unpinnedImage: Rule = {
  id: 'unpinned-image',
  title: 'Image not pinned by digest',
  severity: 'low',
  category: 'workload',
  mitre: ['T1525'],
  evaluate({ record, event }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const containers = containersOfWrite(w).filter((c) => c.image !== '' && !isDigestPinned(c.image)).map(containerRef);
    if (containers.length === 0) return undefined;
    return {
      summary: `${wrote(record, w)} with image(s) not pinned by digest: ${[...new Set(containers.map((c) => c.image))].join(', ')}.`,
      evidence: { containers },
    };
  },
};
