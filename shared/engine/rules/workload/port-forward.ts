import { queryValues } from './pod-spec.js';
import type { Rule } from '../types.js';
import { actor, podStream } from './helpers.js';

export const portForward: Rule = {
  id: 'port-forward',
  title: 'Port forwarded to a pod',
  severity: 'low',
  category: 'workload',
  mitre: ['T1572'],
  evaluate({ record, event }) {
    if (!podStream(record, event, ['portforward'])) return undefined;
    const ports = queryValues(record.requestUri, 'ports');
    return {
      summary: `${actor(record)} forwarded ${ports.length > 0 ? `port(s) ${ports.join(', ')}` : 'a port'} to pod ${record.namespace ?? ''}/${record.name ?? ''}.`,
      evidence: { pod: record.name, namespace: record.namespace, ports },
    };
  },
};
