import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { inApiGroup, arr, field, isObj, isWrite, str, succeeded, writtenObject, type Obj } from './objects.js';
import type { Rule } from './types.js';
import { awsKeyId, embeddedCredentialNames, hasJwt, isCredentialName, pemPrivateKey } from '../credential-text.js';

const kubeletReadOnlyPort = '10255';
// Proxy paths, current (`…/services/<name>/proxy`) and deprecated (`/api/v1/proxy/…`).
const proxyPath =
  /^\/api\/v1\/(?:proxy\/)?(?:namespaces\/[^/]+\/)?(services|pods|nodes)\/([^/?]+)(?:\/proxy)?(?:[/?]|$)/;

interface ProxyTarget {
  resource: string;
  name: string;
}

function proxyTarget(record: NormalizedRecord): ProxyTarget | undefined {
  if (record.subresource === 'proxy' && record.resource && record.name) {
    return { resource: record.resource, name: record.name };
  }
  const isProxy = /\/proxy(\/|\?|$)/.test(record.requestUri);
  const m = isProxy ? proxyPath.exec(record.requestUri) : null;
  if (!m?.[1] || !m[2]) return undefined;
  return { resource: m[1], name: decodeURIComponent(m[2]) };
}

export const plaintextProxy: Rule = {
  id: 'plaintext-proxy',
  title: 'API server proxy over plain HTTP',
  severity: 'medium',
  category: 'network',
  mitre: ['T1557', 'T1040'],
  evaluate({ record }) {
    const target = proxyTarget(record);
    if (!target) return undefined;
    // `<scheme>:<name>:<port>`: an explicit http scheme, or the kubelet's unauthenticated read-only port.
    const parts = target.name.split(':');
    const httpScheme = (target.resource === 'services' || target.resource === 'pods') && parts[0] === 'http';
    const readOnlyKubelet = target.resource === 'nodes' && parts.at(-1) === kubeletReadOnlyPort;
    if (!httpScheme && !readOnlyKubelet) return undefined;
    return {
      summary: readOnlyKubelet
        ? `${record.user} proxied through the API server to the kubelet read-only port on ${parts[0] ?? ''}.`
        : `${record.user} proxied through the API server to ${target.resource}/${target.name} over plain HTTP.`,
      evidence: {
        resource: target.resource,
        target: target.name,
        reason: readOnlyKubelet ? 'kubelet-read-only-port' : 'http-scheme',
        requestUri: record.requestUri,
      },
    };
  },
};

// ---- objects that expose workloads or weaken transport security (create/update/patch, successful) ----

const pastTense: Readonly<Record<string, string>> = { create: 'created', update: 'updated', patch: 'patched' };
const did = (record: NormalizedRecord): string => pastTense[record.verb] ?? record.verb;

/** A successful create/update/patch of the object itself (status writes by controllers are not changes of intent). */
function objectWrite(record: NormalizedRecord, resource: string): boolean {
  return record.resource === resource && record.subresource === null && isWrite(record) && succeeded(record);
}

/**
 * The object as stored, when the event tells: the responseObject, or the request document of a
 * create/update. For a patch recorded without its response only the patch is known, and what it leaves
 * out is not known to be absent (undefined then).
 */
function storedObject(record: NormalizedRecord, event: AuditEvent): Obj | undefined {
  const obj = writtenObject(event);
  if (record.verb === 'patch' && obj !== event.responseObject) return undefined;
  return obj;
}

function objectName(record: NormalizedRecord, obj: Obj | undefined): string {
  const name = record.name ?? str(field(obj, 'metadata', 'name')) ?? '(unnamed)';
  return record.namespace ? `${record.namespace}/${name}` : name;
}

const isNetworkingGroup = (record: NormalizedRecord): boolean =>
  // extensions/v1beta1 served Ingress and NetworkPolicy until 1.22; old logs still carry it.
  inApiGroup(record, 'networking.k8s.io') || record.apiGroup === 'extensions';

export const ingressWithoutTls: Rule = {
  id: 'ingress-without-tls',
  title: 'Ingress without TLS',
  severity: 'medium',
  category: 'network',
  mitre: ['T1040', 'T1557'],
  evaluate({ record, event }) {
    if (!objectWrite(record, 'ingresses') || !isNetworkingGroup(record)) return undefined;
    const stored = storedObject(record, event);
    const patch = stored ? undefined : writtenObject(event);
    // A patch without the stored result counts only when it removes TLS itself (`tls: null` or `[]`).
    const spec = field(stored ?? patch, 'spec');
    if (!isObj(spec) || (patch && !('tls' in spec))) return undefined;
    if (arr(spec.tls).length > 0) return undefined;
    const hosts = arr(spec.rules).flatMap((r) => {
      const host = str(field(r, 'host'));
      return host ? [host] : [];
    });
    const ingressClass =
      str(spec.ingressClassName) ?? str(field(stored ?? patch, 'metadata', 'annotations', 'kubernetes.io/ingress.class')) ?? null;
    const name = objectName(record, stored ?? patch);
    return {
      summary: `${record.user} ${did(record)} Ingress ${name} without TLS${hosts.length > 0 ? `, serving ${hosts.join(', ')} over plain HTTP` : ''}.`,
      evidence: { user: record.user, verb: record.verb, ingress: name, hosts, ingressClass, tls: false },
    };
  },
};

const webhookConfigurations = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);
const invalidCertAnnotations = ['missing-san.invalid-cert.kubernetes.io/', 'insecure-sha1.invalid-cert.kubernetes.io/'];

interface TlsProblem {
  reason: string;
  webhook?: string;
  url?: string;
  annotation?: string;
  detail?: string;
}

function webhookProblems(obj: Obj | undefined): TlsProblem[] {
  const out: TlsProblem[] = [];
  for (const w of arr(obj?.webhooks)) {
    const url = str(field(w, 'clientConfig', 'url'));
    if (url === undefined || url === '') continue;
    const webhook = str(field(w, 'name')) ?? '?';
    if (/^http:\/\//i.test(url)) out.push({ reason: 'http-url', webhook, url });
    else if (!str(field(w, 'clientConfig', 'caBundle'))) out.push({ reason: 'url-without-caBundle', webhook, url });
  }
  return out;
}

export const insecureBackendTls: Rule = {
  id: 'insecure-backend-tls',
  title: 'Insecure TLS between the API server and a backend',
  severity: 'high',
  category: 'network',
  mitre: ['T1557', 'T1040'],
  evaluate({ record, event }) {
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
  },
};

/**
 * Decision: NodePort only. A LoadBalancer Service opens node ports too (unless
 * allocateLoadBalancerNodePorts is false), but there the load balancer is the intended exposure, and
 * flagging every LoadBalancer would make the rule about Services in general.
 */
export const nodePortService: Rule = {
  id: 'nodeport-service',
  title: 'NodePort Service created or changed',
  severity: 'medium',
  category: 'network',
  mitre: ['T1133'],
  evaluate({ record, event }) {
    if (!objectWrite(record, 'services') || !inApiGroup(record, '')) return undefined;
    const obj = writtenObject(event);
    if (str(field(obj, 'spec', 'type')) !== 'NodePort') return undefined;
    const nodePorts = arr(field(obj, 'spec', 'ports')).flatMap((p) => {
      const n = field(p, 'nodePort');
      return typeof n === 'number' ? [n] : [];
    });
    const name = objectName(record, obj);
    return {
      summary: `${record.user} ${did(record)} Service ${name} of type NodePort${nodePorts.length > 0 ? ` (node ports ${nodePorts.join(', ')})` : ''}, exposing it on every node.`,
      evidence: { user: record.user, verb: record.verb, service: name, type: 'NodePort', nodePorts },
    };
  },
};

const emptySelector = (s: unknown): boolean =>
  isObj(s) && Object.keys(isObj(s.matchLabels) ? s.matchLabels : {}).length === 0 && arr(s.matchExpressions).length === 0;

/** A rule without peers and without ports admits all traffic in its direction (Kubernetes NetworkPolicy semantics). */
const allowsAll = (rules: unknown, peers: 'from' | 'to'): boolean =>
  arr(rules).some((r) => isObj(r) && arr(r[peers]).length === 0 && arr(r.ports).length === 0);

export const networkPolicyRemoved: Rule = {
  id: 'network-policy-removed',
  title: 'NetworkPolicy deleted or opened to all traffic',
  severity: 'medium',
  category: 'network',
  mitre: ['T1562.004'],
  evaluate({ record, event }) {
    if (record.resource !== 'networkpolicies' || record.subresource !== null || !isNetworkingGroup(record)) return undefined;
    // The namespace controller and the garbage collector delete policies with their namespace or owner.
    if (!succeeded(record) || record.identityKind === 'controlplane') return undefined;
    const where = record.namespace ? ` in namespace ${record.namespace}` : '';
    if (record.derivedVerb === 'delete' || record.derivedVerb === 'deletecollection') {
      return {
        summary:
          record.derivedVerb === 'delete'
            ? `${record.user} deleted NetworkPolicy ${objectName(record, undefined)}.`
            : `${record.user} deleted a collection of NetworkPolicies${where}.`,
        evidence: { user: record.user, verb: record.derivedVerb, namespace: record.namespace, name: record.name },
      };
    }
    if (!isWrite(record)) return undefined;
    const obj = writtenObject(event);
    const spec = field(obj, 'spec');
    if (!isObj(spec) || !emptySelector(spec.podSelector)) return undefined;
    // policyTypes defaults to Ingress, plus Egress when the policy has egress rules.
    const declared = arr(spec.policyTypes).filter((t): t is string => typeof t === 'string');
    const types = declared.length > 0 ? declared : ['Ingress', ...('egress' in spec && spec.egress != null ? ['Egress'] : [])];
    const open: string[] = [];
    if (types.includes('Ingress') && allowsAll(spec.ingress, 'from')) open.push('Ingress');
    if (types.includes('Egress') && allowsAll(spec.egress, 'to')) open.push('Egress');
    if (open.length === 0) return undefined;
    const name = objectName(record, obj);
    return {
      summary: `${record.user} ${did(record)} NetworkPolicy ${name}, which allows all ${open.join(' and ').toLowerCase()} traffic for every pod${where}.`,
      evidence: { user: record.user, verb: record.verb, networkPolicy: name, podSelector: {}, allowAll: open },
    };
  },
};

// ---- credentials in ConfigMaps ----
// What counts as a credential name or value: credential-text.ts (shared with the redactor, so a value the
// redactor replaced still shows its kind here). Evidence names keys and kinds, never values.

interface CredentialMatch {
  key: string;
  kinds: string[];
  names?: string[];
}

function credentialMatches(data: Obj): CredentialMatch[] {
  const out: CredentialMatch[] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    const kinds: string[] = [];
    if (isCredentialName(key)) kinds.push('credential-key');
    if (awsKeyId.test(raw)) kinds.push('aws-access-key-id');
    if (pemPrivateKey.test(raw)) kinds.push('private-key-pem');
    if (hasJwt(raw)) kinds.push('jwt');
    const names = raw.includes('=') || raw.includes(':') ? embeddedCredentialNames(raw) : [];
    if (names.length > 0) kinds.push('credential-assignment');
    if (kinds.length > 0) out.push(names.length > 0 ? { key, kinds, names } : { key, kinds });
    if (out.length >= 20) break;
  }
  return out;
}

export const credentialsInConfigmap: Rule = {
  id: 'credentials-in-configmap',
  title: 'Credentials stored in a ConfigMap',
  severity: 'medium',
  category: 'network',
  mitre: ['T1552.007', 'T1552.001'],
  evaluate({ record, event }) {
    if (!objectWrite(record, 'configmaps') || !inApiGroup(record, '')) return undefined;
    const obj = writtenObject(event);
    const data = obj?.data;
    if (!isObj(data)) return undefined;
    const matches = credentialMatches(data);
    if (matches.length === 0) return undefined;
    const name = objectName(record, obj);
    return {
      summary: `${record.user} ${did(record)} ConfigMap ${name} holding credential-like data under ${matches.map((m) => m.key).join(', ')}.`,
      evidence: { user: record.user, verb: record.verb, configMap: name, matches },
    };
  },
};

export const networkRules: Rule[] = [
  plaintextProxy,
  ingressWithoutTls,
  insecureBackendTls,
  nodePortService,
  networkPolicyRemoved,
  credentialsInConfigmap,
];
