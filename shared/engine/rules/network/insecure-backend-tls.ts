import { inApiGroup, field, isObj, str, writtenObject } from '../objects.js';
import { networkRule, did, objectWrite, objectName, webhookConfigurations, invalidCertAnnotations, type TlsProblem, webhookProblems } from './helpers.js';

export const insecureBackendTls = networkRule({ id: 'insecure-backend-tls', title: 'Insecure TLS between the API server and a backend', severity: 'high', mitre: ['T1557', 'T1040'] }, ({ record, event }) => {
  const problems: TlsProblem[] = [];
  let what = '';
  if (record.resource !== null && webhookConfigurations.has(record.resource)) {
    if (objectWrite(record, record.resource) && inApiGroup(record, 'admissionregistration.k8s.io')) {
      problems.push(...webhookProblems(writtenObject(event)));
      what = `${record.resource}/${objectName(record, writtenObject(event))}`;
    }
  } else if (objectWrite(record, 'apiservices') && inApiGroup(record, 'apiregistration.k8s.io')) {
    const obj = writtenObject(event);
    if (field(obj, 'spec', 'insecureSkipTLSVerify') === true) {
      const service = field(obj, 'spec', 'service');
      const target = isObj(service) ? `${str(service.namespace) ?? '?'}/${str(service.name) ?? '?'}` : undefined;
      problems.push({ reason: 'apiservice-insecure-skip-tls-verify', ...(target ? { detail: `service ${target}` } : {}) });
      what = `APIService ${objectName(record, obj)}`;
    }
  }
  // The API server annotates any request whose webhook or aggregated API presented such a certificate,
  // whatever the request's outcome: the connection was made.
  for (const [key, value] of Object.entries(record.annotations)) {
    if (invalidCertAnnotations.some((p) => key.startsWith(p))) problems.push({ reason: key.slice(0, key.indexOf('.')), annotation: key, detail: value });
  }
  if (problems.length === 0) return undefined;
  const annotated = problems.filter((p) => p.annotation !== undefined);
  const summary =
    what !== ''
      ? `${record.user} ${did(record)} ${what}, which the API server reaches over plain HTTP or without a pinned CA (${[...new Set(problems.map((p) => p.reason))].join(', ')}).`
      : `While serving ${record.user}'s ${record.verb} ${record.requestUri}, the API server connected to ${annotated.map((p) => (p.annotation ?? '').slice((p.annotation ?? '').indexOf('/') + 1)).join(', ')} with an invalid certificate (${[...new Set(annotated.map((p) => p.reason))].join(', ')}).`;
  return { summary, evidence: { user: record.user, verb: record.verb, problems } };
});
