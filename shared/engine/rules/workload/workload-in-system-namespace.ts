import { isSystemIdentity } from '../objects.js';
import { completedWrite, workloadResourceOf } from './pod-spec.js';
import { workloadRule, actor, createdName } from './helpers.js';

export const workloadInSystemNamespace = workloadRule({ id: 'workload-in-system-namespace', title: 'Workload created in a system namespace', severity: 'medium', mitre: ['T1610', 'T1036.005'] }, ({ record, event, settings }) => {
  if (record.derivedVerb !== 'create' || record.subresource !== null || record.namespace === null) return undefined;
  const res = workloadResourceOf(record);
  if (!res || !settings.systemNamespaces.includes(record.namespace)) return undefined;
  if (!completedWrite(record, event) || isSystemIdentity(record)) return undefined;
  const name = createdName(record, event);
  return {
    summary: `${actor(record)} created ${res.kind} ${record.namespace}/${name ?? '(unnamed)'} in a system namespace.`,
    evidence: { namespace: record.namespace, kind: res.kind, name },
  };
});
