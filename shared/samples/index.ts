// Hand-written audit events that benchmarks and tests both build on (this module is built; shared/testing,
// which reads the corpus, is not). Tests and benchmarks state only the fields they are about.

/**
 * A Metadata-level ResponseComplete event by `jane` from 10.0.0.5 (a list of pods in default, allowed, 200),
 * with no audit ID and no times of its own, with `fields` laid over it.
 */
export function sampleEvent(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'list',
    user: { username: 'jane', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.5'],
    responseStatus: { code: 200 },
    ...fields,
  };
}

export function eventList(items: unknown[]): { kind: 'EventList'; apiVersion: string; items: unknown[] } {
  return { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items };
}
