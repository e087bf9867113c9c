import { isSystemIdentity } from '../objects.js';
import { completedWrite, workloadResourceOf } from './pod-spec.js';
import { actor, createdName, workloadRule } from './helpers.js';

// Controllers that run code again and again, or everywhere: a CronJob (on a schedule, long after the
// intruder left), a DaemonSet (on every node, new nodes included), a Job made by hand (a CronJob's Jobs are
// the control plane's).
const persistent: Readonly<Record<string, string>> = { cronjobs: 'CronJob', daemonsets: 'DaemonSet', jobs: 'Job' };

/**
 * A CronJob, DaemonSet or Job created by a person or a workload, at any audit level: low, medium for a
 * DaemonSet (its pods run on every node). What the pods may do is judged by the workload rules on the
 * template; this finding is the persistence itself, for the record and for sequences.
 */
export const persistentWorkloadCreated = workloadRule({ id: 'persistent-workload-created', title: 'CronJob, DaemonSet or Job created', severity: 'low', mitre: ['T1053.007', 'T1610'] }, ({ record, event }) => {
  if (record.derivedVerb !== 'create' || record.subresource !== null || record.resource === null) return undefined;
  const kind = persistent[record.resource];
  if (kind === undefined || workloadResourceOf(record) === undefined) return undefined;
  if (!completedWrite(record, event) || isSystemIdentity(record)) return undefined;
  const name = createdName(record, event);
  return {
    ...(kind === 'DaemonSet' ? { raise: 'medium' as const } : {}),
    summary: `${actor(record)} created ${kind} ${record.namespace ?? ''}/${name ?? '(unnamed)'}.`,
    evidence: { kind, namespace: record.namespace, name, user: record.user },
  };
});
