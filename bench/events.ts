// Hand-written audit events for the benchmarks (which run from dist/ and cannot use the test helpers): a
// Metadata-level ResponseComplete list of pods by `jane`, with `fields` laid over it.
export function benchEvent(fields: Record<string, unknown>): Record<string, unknown> {
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
