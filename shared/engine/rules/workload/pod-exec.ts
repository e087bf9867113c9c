import { workloadRule, actor, podStream, execOptions } from './helpers.js';

/**
 * Exec or attach into a pod: medium, and high into a control-plane pod (`controlPlanePods`: kube-apiserver,
 * etcd, controller manager, scheduler), where a shell reaches etcd's data and the cluster's keys.
 */
export const podExec = workloadRule({ id: 'pod-exec', title: 'Exec or attach into a pod', severity: 'medium', mitre: ['T1609'] }, ({ record, event, settings }) => {
  if (!podStream(record, event, ['exec', 'attach'])) return undefined;
  const { command, container } = execOptions(record, event);
  const pod = `${record.namespace ?? ''}/${record.name ?? ''}`;
  const inContainer = container ? ` (container ${container})` : '';
  const controlPlane = settings.controlPlanePods.some((prefix) => pod.startsWith(prefix));
  const which = controlPlane ? 'control-plane pod' : 'pod';
  const raised = controlPlane ? { raise: 'high' as const } : {};
  const marked = controlPlane ? { controlPlane } : {};
  if (record.subresource === 'attach') {
    return {
      summary: `${actor(record)} attached to ${which} ${pod}${inContainer}.`,
      evidence: { pod: record.name, namespace: record.namespace, subresource: 'attach', container, ...marked },
      ...raised,
    };
  }
  return {
    summary: `${actor(record)} ran ${command.length > 0 ? `"${command.join(' ')}"` : 'a command'} in ${which} ${pod}${inContainer}.`,
    evidence: { pod: record.name, namespace: record.namespace, subresource: 'exec', container, command, ...marked },
    ...raised,
  };
});
