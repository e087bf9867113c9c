import { queryValues } from './pod-spec.js';
import { workloadRule, actor, podStream } from './helpers.js';

export const portForward = workloadRule({ id: 'port-forward', title: 'Port forwarded to a pod', severity: 'low', mitre: ['T1572'] }, ({ record, event }) => {
  if (!podStream(record, event, ['portforward'])) return undefined;
  const ports = queryValues(record.requestUri, 'ports');
  return {
    summary: `${actor(record)} forwarded ${ports.length > 0 ? `port(s) ${ports.join(', ')}` : 'a port'} to pod ${record.namespace ?? ''}/${record.name ?? ''}.`,
    evidence: { pod: record.name, namespace: record.namespace, ports },
  };
});
