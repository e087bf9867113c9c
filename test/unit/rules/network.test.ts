// Network and transport rules, and ConfigMap credentials. The hand-written events follow the Kubernetes
// documentation (Ingress, Service, NetworkPolicy, admission webhooks, APIService, proxying). This file also
// reads ../shared/corpus: Falco's k8s_audit traces (outcomes from falco-k8s-audit/EXPECTED.md). Panther's
// Ingress and NodePort tests are judged with its RBAC ones, in authorization.test.ts.
import { describe, expect, it } from 'vitest';
import { corpusLines } from '#shared/testing';
import { credentialLookalikes } from '../../helpers/credential-carriers.js';
import { access, apiRequest, APISERVER, eventAt, everyRuleFired, fire, NAMESPACE_CONTROLLER, plainRequest, statefulEngine, type Json } from './helpers.js';

const { fired, findingOf } = access;

describe('plaintext-proxy', () => {
  it('fires on a service proxy with the http scheme', () => {
    const event = {
      ...plainRequest,
      verb: 'get',
      requestURI: '/api/v1/namespaces/default/services/http:web:8080/proxy/admin',
      objectRef: { resource: 'services', subresource: 'proxy', namespace: 'default', name: 'http:web:8080', apiVersion: 'v1' },
    };
    expect(everyRuleFired(event)).toEqual(['plaintext-proxy']);
  });
  it('fires on proxying to the kubelet read-only port, also via the deprecated /proxy/ prefix', () => {
    // The README lists the read-only port under anonymous-kubelet-access too: both rules fire
    expect(everyRuleFired({ ...plainRequest, verb: 'get', requestURI: '/api/v1/nodes/node-1:10255/proxy/pods' })).toEqual(expect.arrayContaining(['plaintext-proxy', 'anonymous-kubelet-access']));
    expect(everyRuleFired({ ...plainRequest, verb: 'get', requestURI: '/api/v1/proxy/nodes/node-1:10255/stats' })).toContain('plaintext-proxy');
  });
  it('does not fire on https proxies, the kubelet secure port or ordinary requests', () => {
    expect(everyRuleFired({ ...plainRequest, verb: 'get', requestURI: '/api/v1/namespaces/default/services/https:web:443/proxy/' })).toEqual([]);
    // the kubelet reached through nodes/proxy by a person is node-proxy-used’s (tested with the authorization rules)
    expect(everyRuleFired({ ...plainRequest, verb: 'get', requestURI: '/api/v1/nodes/node-1:10250/proxy/pods' })).toEqual(['node-proxy-used']);
    expect(everyRuleFired({ ...plainRequest, requestURI: '/api/v1/namespaces/default/services/http-api' })).toEqual([]);
  });
});

describe('ingress-without-tls', () => {
  const NET = '/apis/networking.k8s.io/v1';
  const ingress = (spec: Json): Json => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' }, spec });
  const rules = [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }];

  it('fires on an Ingress created without spec.tls, naming the hosts served in the clear', () => {
    const event = apiRequest({ verb: 'create', uri: `${NET}/namespaces/shop/ingresses`, name: 'web', namespace: 'shop', requestObject: ingress({ ingressClassName: 'nginx', rules }) });
    const f = findingOf(event, 'ingress-without-tls');
    expect(f?.evidence).toEqual({ user: 'jane@example.com', verb: 'create', ingress: 'shop/web', hosts: ['shop.example.com'], ingressClass: 'nginx', tls: false });
  });

  it('fires on a patch that removes TLS, even without the stored object', () => {
    expect(fired(apiRequest({ verb: 'patch', uri: `${NET}/namespaces/shop/ingresses/web`, requestObject: { spec: { tls: null } } }))).toEqual(['ingress-without-tls']);
  });

  it('does not fire with TLS, on a patch that leaves TLS alone, on status writes or failures', () => {
    const tls = [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }];
    expect(fired(apiRequest({ verb: 'create', uri: `${NET}/namespaces/shop/ingresses`, requestObject: ingress({ tls, rules }) }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'patch', uri: `${NET}/namespaces/shop/ingresses/web`, requestObject: { metadata: { annotations: { a: 'b' } } } }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'update', uri: `${NET}/namespaces/shop/ingresses/web/status`, user: 'system:serviceaccount:ingress-nginx:ingress-nginx', requestObject: ingress({ rules }) }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'create', uri: `${NET}/namespaces/shop/ingresses`, code: 403, requestObject: ingress({ rules }) }))).toEqual([]);
  });
});

describe('insecure-backend-tls', () => {
  const ADM = '/apis/admissionregistration.k8s.io/v1';
  const webhookConfig = (clientConfig: Json): Json => ({
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'policy' },
    webhooks: [{ name: 'policy.example.com', clientConfig, admissionReviewVersions: ['v1'], sideEffects: 'None' }],
  });
  const createWebhook = (clientConfig: Json): Json =>
    apiRequest({ verb: 'create', uri: `${ADM}/validatingwebhookconfigurations`, name: 'policy', requestObject: webhookConfig(clientConfig) });

  it('fires on a webhook reached over http://, or by URL without a caBundle', () => {
    const http = findingOf(createWebhook({ url: 'http://policy.example.com:8080/validate' }), 'insecure-backend-tls');
    expect(http?.evidence).toMatchObject({ problems: [{ reason: 'http-url', webhook: 'policy.example.com' }] });
    const noCa = findingOf(createWebhook({ url: 'https://policy.example.com/validate' }), 'insecure-backend-tls');
    expect(noCa?.evidence).toMatchObject({ problems: [{ reason: 'url-without-caBundle' }] });
  });

  it('does not fire on a URL with a caBundle or a service reference', () => {
    expect(fired(createWebhook({ url: 'https://policy.example.com/validate', caBundle: 'LS0tLS1CRUdJTi' }))).not.toContain('insecure-backend-tls');
    expect(fired(createWebhook({ service: { namespace: 'policy', name: 'webhook', path: '/validate' } }))).not.toContain('insecure-backend-tls');
  });

  it('fires on an APIService with insecureSkipTLSVerify, not on one with a caBundle or on its status', () => {
    const apiService = (spec: Json): Json => ({ kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec });
    const uri = '/apis/apiregistration.k8s.io/v1/apiservices';
    const insecure = apiRequest({ verb: 'create', uri, name: 'v1beta1.metrics.k8s.io', requestObject: apiService({ insecureSkipTLSVerify: true, service: { namespace: 'kube-system', name: 'metrics-server' } }) });
    expect(findingOf(insecure, 'insecure-backend-tls')?.evidence).toMatchObject({ problems: [{ reason: 'apiservice-insecure-skip-tls-verify', detail: 'service kube-system/metrics-server' }] });
    expect(fired(apiRequest({ verb: 'create', uri, requestObject: apiService({ caBundle: 'LS0t', service: { namespace: 'kube-system', name: 'metrics-server' } }) }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'update', uri: `${uri}/v1beta1.metrics.k8s.io/status`, user: APISERVER, requestObject: apiService({ insecureSkipTLSVerify: true }) }))).toEqual([]);
  });

  it('fires on the API server invalid-certificate annotations, on any request', () => {
    const event = apiRequest({
      verb: 'create',
      uri: '/api/v1/namespaces/default/pods',
      annotations: { 'missing-san.invalid-cert.kubernetes.io/policy.example.com': 'relies on a legacy common name field instead of the SAN extension for subject validation' },
    });
    expect(findingOf(event, 'insecure-backend-tls')?.evidence).toMatchObject({ problems: [{ reason: 'missing-san', annotation: 'missing-san.invalid-cert.kubernetes.io/policy.example.com' }] });
    const sha1 = apiRequest({ verb: 'get', uri: '/apis/metrics.k8s.io/v1beta1/nodes', annotations: { 'insecure-sha1.invalid-cert.kubernetes.io/metrics-server.kube-system.svc': 'uses an insecure SHA-1 signature' } });
    expect(fired(sha1)).toEqual(['insecure-backend-tls']);
    expect(fired(apiRequest({ verb: 'get', uri: '/api/v1/namespaces/default/pods/x', annotations: { 'authorization.k8s.io/decision': 'allow' } }))).toEqual([]);
  });
});

describe('nodeport-service', () => {
  const service = (spec: Json): Json => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec });

  it('fires on Falco create_nginx_service_nodeport.json ("Create NodePort Service")', () => {
    const [event] = corpusLines('falco-k8s-audit/create_nginx_service_nodeport.json');
    expect(findingOf(event, 'nodeport-service')?.evidence).toMatchObject({ service: 'default/nginx', nodePorts: [30080] });
  });

  it('does not fire on Falco create_nginx_service_nonodeport.json (ClusterIP)', () => {
    const [event] = corpusLines('falco-k8s-audit/create_nginx_service_nonodeport.json');
    expect(fired(event)).toEqual([]);
  });

  it('fires on a patch to type NodePort; LoadBalancer, status writes and failures do not count', () => {
    expect(fired(apiRequest({ verb: 'patch', uri: '/api/v1/namespaces/shop/services/web', requestObject: { spec: { type: 'NodePort' } } }))).toEqual(['nodeport-service']);
    // Decision: LoadBalancer Services also allocate node ports, but the load balancer is their intended exposure.
    expect(fired(apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/services', requestObject: service({ type: 'LoadBalancer', ports: [{ port: 80, nodePort: 31000 }] }) }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'update', uri: '/api/v1/namespaces/shop/services/web/status', user: 'system:serviceaccount:kube-system:service-controller', requestObject: service({ type: 'NodePort' }) }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/services', code: 422, requestObject: service({ type: 'NodePort' }) }))).toEqual([]);
  });
});

describe('network-policy-removed', () => {
  const NET = '/apis/networking.k8s.io/v1';
  const policy = (spec: Json): Json => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec });
  const write = (spec: Json, verb = 'create'): Json =>
    apiRequest({ verb, uri: verb === 'create' ? `${NET}/namespaces/shop/networkpolicies` : `${NET}/namespaces/shop/networkpolicies/p`, name: 'p', namespace: 'shop', requestObject: policy(spec) });

  it('fires on a NetworkPolicy deleted, one by one or as a collection', () => {
    expect(findingOf(apiRequest({ verb: 'delete', uri: `${NET}/namespaces/shop/networkpolicies/default-deny` }), 'network-policy-removed')?.summary).toBe(
      'jane@example.com deleted NetworkPolicy shop/default-deny.',
    );
    expect(fired(apiRequest({ verb: 'delete', uri: `${NET}/namespaces/shop/networkpolicies` }))).toEqual(['network-policy-removed']);
  });

  it('fires on a policy that selects every pod and admits all ingress or all egress (an empty rule)', () => {
    const ingress = findingOf(write({ podSelector: {}, ingress: [{}] }), 'network-policy-removed');
    expect(ingress?.evidence).toMatchObject({ allowAll: ['Ingress'] });
    const egress = findingOf(write({ podSelector: {}, policyTypes: ['Egress'], egress: [{}] }, 'update'), 'network-policy-removed');
    expect(egress?.evidence).toMatchObject({ allowAll: ['Egress'] });
  });

  it('does not fire on deny-all, restricted rules, a subset of pods, a direction not in policyTypes, or the namespace controller', () => {
    expect(fired(write({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }))).toEqual([]);
    expect(fired(write({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }))).toEqual([]);
    expect(fired(write({ podSelector: {}, ingress: [{ ports: [{ port: 443 }] }] }))).toEqual([]);
    expect(fired(write({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }))).toEqual([]);
    expect(fired(write({ podSelector: {}, policyTypes: ['Ingress'], egress: [{}] }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'delete', uri: `${NET}/namespaces/shop/networkpolicies`, user: NAMESPACE_CONTROLLER }))).toEqual([]);
    expect(fired(apiRequest({ verb: 'delete', uri: `${NET}/namespaces/shop/networkpolicies/p`, code: 404 }))).toEqual([]);
  });
});

describe('credentials-in-configmap', () => {
  const configMap = (data: Record<string, string>): Json => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop' }, data });
  const create = (data: Record<string, string>): Json =>
    apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/configmaps', name: 'app', namespace: 'shop', requestObject: configMap(data) });

  it('fires on each of the 6 events of Falco create_configmap_sensitive_values.json ("Create/Modify Configmap With Private Credentials")', () => {
    const events = corpusLines('falco-k8s-audit/create_configmap_sensitive_values.json');
    expect(events).toHaveLength(6);
    for (const event of events) {
      const f = findingOf(event, 'credentials-in-configmap');
      expect(f?.evidence).toMatchObject({ matches: [{ key: 'access.properties', kinds: ['credential-assignment'] }] });
      // Names of the settings, never their values.
      expect(JSON.stringify(f)).not.toContain('MY-KEY');
      expect(JSON.stringify(f)).not.toContain('MY-ID');
    }
    const names = events.map((e) => (findingOf(e, 'credentials-in-configmap')?.evidence.matches as { names: string[] }[])[0]?.names);
    expect(names).toEqual([
      ['aws_access_key_id', 'aws_secret_access_key'],
      ['aws-access-key-id', 'aws_secret_access_key'],
      ['aws_s3_access_key_id', 'aws_secret_access_key'],
      ['aws-s3-access-key-id', 'aws_secret_access_key'],
      ['password', 'aws_secret_access_key'],
      ['passphrase', 'aws_secret_access_key'],
    ]);
  });

  it('does not fire on Falco create_configmap.json / create_configmap_no_sensitive_values.json', () => {
    for (const file of ['create_configmap.json', 'create_configmap_no_sensitive_values.json']) {
      const [event] = corpusLines(`falco-k8s-audit/${file}`);
      expect(fired(event), file).toEqual([]);
    }
  });

  it('flags credential keys and credential values by kind without copying the values', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const event = create({
      DB_PASSWORD: 'hunter2-correct-horse',
      'tls.key': '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n',
      'aws.env': 'AWS_REGION=eu-west-1\nKEY_ID=AKIAIOSFODNN7EXAMPLE\n',
      kubeconfig: `users:\n- name: app\n  user:\n    token: ${jwt}\n`,
      'app.json': '{"apiKey": "sk-live-123", "region": "eu"}',
    });
    const f = findingOf(event, 'credentials-in-configmap');
    expect(f?.evidence.matches).toEqual([
      { key: 'DB_PASSWORD', kinds: ['credential-key'] },
      { key: 'tls.key', kinds: ['private-key-pem'] },
      { key: 'aws.env', kinds: ['aws-access-key-id'] },
      { key: 'kubeconfig', kinds: ['jwt', 'credential-assignment'], names: ['token'] },
      { key: 'app.json', kinds: ['credential-assignment'], names: ['apiKey'] },
    ]);
    const text = JSON.stringify(f);
    for (const secret of ['hunter2', 'MHcCAQEEIB', 'AKIAIOSFODNN7EXAMPLE', jwt, 'sk-live-123']) expect(text).not.toContain(secret);
  });

  it('does not fire on names that refer to credentials, look-alike words, placeholders or empty values', () => {
    const event = create(credentialLookalikes);
    expect(fired(event)).toEqual([]);
  });

  it('ignores other resources and failed writes', () => {
    expect(fired(apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/configmaps', code: 403, requestObject: configMap({ password: 'x1' }) }))).toEqual([]);
    // Secrets are where credentials belong.
    expect(fired(apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/secrets', requestObject: { kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x1' } } }))).toEqual([]);
  });

  it('returns early on unrelated events and on a 1 MiB ConfigMap value without catastrophic backtracking', () => {
    const big = `${'a'.repeat(512 * 1024)}eyJ${'eyJ'.repeat(100_000)}${'password'.repeat(10_000)}=`;
    const started = performance.now();
    expect(fired(apiRequest({ verb: 'create', uri: '/api/v1/namespaces/shop/configmaps', requestObject: { kind: 'ConfigMap', metadata: { name: 'x' }, data: { blob: big } } }))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('plaintext-ingest', () => {
  it('once per cluster and hour of receipt, never over TLS', () => {
    const e = statefulEngine();
    expect(fire(e, eventAt(0), false)).toContain('plaintext-ingest');
    expect(fire(e, eventAt(1), false)).not.toContain('plaintext-ingest');
    expect(fire(statefulEngine(), eventAt(0), true)).not.toContain('plaintext-ingest');
  });
});
