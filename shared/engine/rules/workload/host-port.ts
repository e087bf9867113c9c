import { arr, field, str, type Obj } from '../objects.js';
import { defineWorkloadRule, wrote, containersOfWrite } from './helpers.js';

export const hostPort = defineWorkloadRule({ id: 'host-port', title: 'Container binds a host port', severity: 'medium', mitre: ['T1610'] }, (w, { record }) => {
  const ports: Obj[] = [];
  for (const c of containersOfWrite(w)) {
    for (const p of arr(field(c.spec, 'ports'))) {
      const hp = field(p, 'hostPort');
      if (typeof hp !== 'number' || hp === 0) continue;
      ports.push({ container: c.name, hostPort: hp, containerPort: field(p, 'containerPort') ?? null, protocol: str(field(p, 'protocol')) ?? 'TCP' });
    }
  }
  if (ports.length === 0) return undefined;
  return { summary: `${wrote(record, w)} binding host port(s) ${ports.map((p) => String(p.hostPort)).join(', ')}.`, evidence: { ports } };
});
