import { workloadRule, actor, podStream, execOptions, suspiciousCommand } from './helpers.js';

export const podExecSuspiciousCommand = workloadRule({ id: 'pod-exec-suspicious-command', title: 'Suspicious command executed in a pod', severity: 'high', mitre: ['T1609', 'T1059.004', 'T1105', 'T1528', 'T1552.005'] }, ({ record, event }) => {
  if (!podStream(record, event, ['exec'])) return undefined;
  const { command, container } = execOptions(record, event);
  if (command.length === 0) return undefined;
  const joined = command.join(' ');
  const matched = suspiciousCommand(joined);
  if (matched.length === 0) return undefined;
  return {
    summary: `${actor(record)} ran "${joined}" in pod ${record.namespace ?? ''}/${record.name ?? ''} (${matched.join(', ')}).`,
    evidence: { pod: record.name, namespace: record.namespace, container, command, matched },
  };
});
