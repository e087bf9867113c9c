import { workloadRule, actor, podStream, execOptions } from './helpers.js';

export const podExec = workloadRule({ id: 'pod-exec', title: 'Exec or attach into a pod', severity: 'medium', mitre: ['T1609'] }, ({ record, event }) => {
  if (!podStream(record, event, ['exec', 'attach'])) return undefined;
  const { command, container } = execOptions(record, event);
  const pod = `${record.namespace ?? ''}/${record.name ?? ''}`;
  const inContainer = container ? ` (container ${container})` : '';
  if (record.subresource === 'attach') {
    return {
      summary: `${actor(record)} attached to pod ${pod}${inContainer}.`,
      evidence: { pod: record.name, namespace: record.namespace, subresource: 'attach', container },
    };
  }
  return {
    summary: `${actor(record)} ran ${command.length > 0 ? `"${command.join(' ')}"` : 'a command'} in pod ${pod}${inContainer}.`,
    evidence: { pod: record.name, namespace: record.namespace, subresource: 'exec', container, command },
  };
});
