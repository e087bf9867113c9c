import { isDigestPinned } from './pod-spec.js';
import { defineWorkloadRule, wrote, containerRef, containersOfWrite } from './helpers.js';

// ---------------------------------------------------------------------------------------------------
// Images

export const unpinnedImage = defineWorkloadRule({ id: 'unpinned-image', title: 'Image not pinned by digest', severity: 'low', mitre: ['T1525'] }, (w, { record }) => {
  const containers = containersOfWrite(w).filter((c) => c.image !== '' && !isDigestPinned(c.image)).map(containerRef);
  if (containers.length === 0) return undefined;
  return {
    summary: `${wrote(record, w)} with image(s) not pinned by digest: ${[...new Set(containers.map((c) => c.image))].join(', ')}.`,
    evidence: { containers },
  };
});
