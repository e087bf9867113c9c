import { succeeded } from '../objects.js';
import { credentialsRule, scriptClientAgent, secretRead } from './helpers.js';

/**
 * A Secret read (get, list, watch) that succeeded for a client naming itself curl, wget, python, Go's default
 * agent (Go-http-client), perl, java, node, php, ruby or a Kali Linux build: a token taken out of a pod or a
 * kubeconfig and replayed by hand. kubectl, controllers (client-go names the binary) and the official client
 * libraries (OpenAPI-Generator) are not such clients. Denied reads are forbidden-burst’s to count.
 */
export const secretReadByScriptClient = credentialsRule({ id: 'secret-read-by-script-client', title: 'Secret read by a scripting or raw HTTP client', severity: 'high', mitre: ['T1552.007', 'T1528'] }, ({ record }) => {
  if (!secretRead(record) || !succeeded(record) || record.userAgent === null) return undefined;
  if (!scriptClientAgent.test(record.userAgent)) return undefined;
  const what = record.name === null ? `the Secrets of ${record.namespace ?? 'every namespace'}` : `Secret ${record.namespace ?? ''}/${record.name}`;
  return {
    summary: `${record.user} read ${what} with the client "${record.userAgent}".`,
    evidence: { user: record.user, verb: record.derivedVerb, namespace: record.namespace, name: record.name, userAgent: record.userAgent, clientIp: record.clientIp },
  };
});
