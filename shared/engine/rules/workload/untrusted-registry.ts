import { registryOf, workloadWrite } from './pod-spec.js';
import { workloadRule, wrote, containerRef, containersOfWrite, registryAllowed } from './helpers.js';

export const untrustedRegistry = workloadRule({ id: 'untrusted-registry', title: 'Image from a registry outside the allow-list', severity: 'medium', mitre: ['T1610', 'T1525'] }, ({ record, event, settings }) => {
  if (settings.allowedRegistries.length === 0) return undefined;
  const w = workloadWrite(record, event);
  if (!w) return undefined;
  const containers = containersOfWrite(w)
    .filter((c) => c.image !== '' && !registryAllowed(c.image, settings.allowedRegistries))
    .map((c) => ({ ...containerRef(c), registry: registryOf(c.image) }));
  if (containers.length === 0) return undefined;
  const registries = [...new Set(containers.map((c) => c.registry))];
  return { summary: `${wrote(record, w)} pulling from registry(ies) outside the allow-list: ${registries.join(', ')}.`, evidence: { containers } };
});
