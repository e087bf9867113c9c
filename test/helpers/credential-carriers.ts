// Every shape in which an audit event carries a credential, each with the credential it carries: the table of
// the redaction unit test and the items the canary test posts to `npm start`. Objects follow the Kubernetes
// API at RequestResponse level (the level that records objects). Each secret is unique to its carrier so a
// leak names its carrier.

export interface Carrier {
  name: string;
  /** strings that must appear nowhere after redaction (a base64 form counts as the secret too) */
  secrets: string[];
  /** the item as posted: an audit event, or (invalid) an item ingest refuses into the DLQ */
  item: Record<string, unknown>;
  /** refused by ingest (not an audit event): the DLQ must hold it redacted */
  invalid?: boolean;
}

/** ConfigMap data that only looks like credentials: references, look-alike words, placeholders, empty values. */
export const credentialLookalikes: Record<string, string> = {
  secretName: 'shop-tls',
  tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  'llm.yaml': 'max_tokens: 512\ntokenizer: bpe\n',
  'app.properties': 'db.password=${DB_PASSWORD}\napi_key={{ .Values.apiKey }}\nsecret:\n  name: shop\n',
  password: '',
  'cluster-info': 'jws: eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..c2lnbmF0dXJl',
};

const b64 = (s: string) => Buffer.from(s).toString('base64');

let n = 0;
function event(fields: Record<string, unknown>): Record<string, unknown> {
  n++;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `carrier-${String(n).padStart(2, '0')}-0000-4000-8000-000000000000`,
    stage: 'ResponseComplete',
    verb: 'create',
    user: { username: 'jane@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc',
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-12-01T10:00:00.000000Z',
    stageTimestamp: '2026-12-01T10:00:00.100000Z',
    ...fields,
  };
}

const ns = 'shop';
const secretUri = `/api/v1/namespaces/${ns}/secrets`;
const cmUri = `/api/v1/namespaces/${ns}/configmaps`;
const ref = (resource: string, name?: string, more: Record<string, unknown> = {}) => ({ resource, namespace: ns, apiVersion: 'v1', ...(name === undefined ? {} : { name }), ...more });
const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>) => ({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name, namespace: ns, ...(annotations === undefined ? {} : { annotations }) },
  data,
});
const createConfigMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>) =>
  event({ requestURI: cmUri, objectRef: ref('configmaps', name), requestObject: configMap(name, data, annotations), responseObject: configMap(name, data, annotations) });
const jwt = (tag: string) => `eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJ${b64(tag).replace(/=+$/, '')}.c2lnbmF0dXJl${tag.replace(/[^A-Za-z0-9]/g, '')}`;
const pem = (tag: string) => `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA${tag}\nq83hPbSHv1lw0uS2k1z\n-----END RSA PRIVATE KEY-----\n`;
const kubeconfig = ({ token, password, keyData }: { token?: string; password?: string; keyData?: string }) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: prod',
    '  cluster:',
    '    server: https://prod.example.com:6443',
    'users:',
    '- name: admin',
    '  user:',
    ...(token === undefined ? [] : [`    token: ${token}`]),
    ...(password === undefined ? [] : ['    username: admin', `    password: ${password}`]),
    ...(keyData === undefined ? [] : ['    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t', `    client-key-data: ${keyData}`]),
  ].join('\n') + '\n';
const pod = (name: string, env: Record<string, unknown>[], annotations?: Record<string, string>) => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name, namespace: ns, ...(annotations === undefined ? {} : { annotations }) },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.4', env }] },
});

export function credentialCarriers(): Carrier[] {
  n = 0;
  const c: Carrier[] = [];
  const add = (name: string, secrets: string[], item: Record<string, unknown>, invalid = false) => c.push({ name, secrets, item, ...(invalid ? { invalid } : {}) });

  const s1 = 'canary01-secret-data-value';
  const secret1 = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db', namespace: ns }, type: 'Opaque', data: { password: b64(s1) } };
  add('Secret data', [s1, b64(s1)], event({ requestURI: secretUri, objectRef: ref('secrets', 'db'), requestObject: secret1, responseObject: secret1 }));

  const s2 = 'canary02-string-data-value';
  add('Secret stringData', [s2], event({ requestURI: secretUri, objectRef: ref('secrets', 'api'), requestObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'api' }, stringData: { url: `https://svc?key=${s2}` } } }));

  const s3 = 'canary03-secret-list-item';
  add('SecretList items', [s3, b64(s3)], event({ verb: 'list', requestURI: secretUri, objectRef: ref('secrets'), responseStatus: { metadata: {}, code: 200 }, responseObject: { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'x' }, data: { token: b64(s3) } }] } }));

  const s4 = 'canary04-json-patch-value';
  add('JSON Patch on a Secret', [s4, b64(s4)], event({ verb: 'patch', requestURI: `${secretUri}/db`, objectRef: ref('secrets', 'db'), responseStatus: { metadata: {}, code: 200 }, requestObject: [{ op: 'replace', path: '/data/password', value: b64(s4) }] }));

  const s5 = 'canary05-patch-without-objectref';
  add('Secret merge patch logged without objectRef', [s5, b64(s5)], event({ verb: 'patch', requestURI: `${secretUri}/db?fieldManager=kubectl-edit`, responseStatus: { metadata: {}, code: 200 }, requestObject: { data: { password: b64(s5) } } }));

  const s6 = 'canary06-last-applied-secret';
  const applied6 = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: ns }, data: { 'tls.key': b64(s6) } });
  add('Secret in last-applied-configuration', [s6, b64(s6)], event({ requestURI: secretUri, objectRef: ref('secrets', 'tls'), requestObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'tls', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied6 } }, data: { 'tls.key': b64(s6) } } }));

  const s7 = jwt('canary07-token-request');
  const tokenRequest = (token: string) => ({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['api'] }, status: { token, expirationTimestamp: '2026-12-01T11:00:00Z' } });
  add('TokenRequest status.token', [s7], event({ requestURI: `/api/v1/namespaces/${ns}/serviceaccounts/app/token`, objectRef: ref('serviceaccounts', 'app', { subresource: 'token' }), responseObject: tokenRequest(s7) }));

  const s8 = 'canary08opaque0token0without0subresource';
  add('TokenRequest whose objectRef lacks the subresource', [s8], event({ requestURI: `/api/v1/namespaces/${ns}/serviceaccounts/app/token`, objectRef: ref('serviceaccounts', 'app'), responseObject: tokenRequest(s8) }));

  const s9 = jwt('canary09-token-review');
  add('TokenReview spec.token', [s9], event({ requestURI: '/apis/authentication.k8s.io/v1/tokenreviews', objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io', apiVersion: 'v1' }, requestObject: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token: s9 } } }));

  const s10 = 'canary10kubeconfigtoken0123456789';
  add('kubeconfig token in a ConfigMap', [s10], createConfigMap('kc-token', { config: kubeconfig({ token: s10 }) }));

  const s11 = 'canary11-kubeconfig-password';
  add('kubeconfig password in a ConfigMap', [s11], createConfigMap('kc-password', { config: kubeconfig({ password: s11 }) }));

  const s12 = b64('canary12-client-key-data');
  add('kubeconfig client-key-data in a ConfigMap', [s12], createConfigMap('kc-key', { kubeconfig: kubeconfig({ keyData: s12 }) }));

  const s13 = 'canary13-db-password';
  add('DB_PASSWORD key of a ConfigMap', [s13], createConfigMap('env', { DB_HOST: 'db.shop', DB_PASSWORD: s13 }));

  const s14 = 'canary14-aws-secret-access-key';
  add('aws_secret_access_key in a credentials file in a ConfigMap', [s14], createConfigMap('aws', { credentials: `[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${s14}\n` }));

  const s15 = 'canary15BearerInAnnotation0123';
  add('Bearer credential in an object annotation', [s15], createConfigMap('probe', { mode: 'on' }, { 'example.com/probe-header': `Authorization: Bearer ${s15}` }));

  const s16 = b64('canary16:basic-password');
  add('Basic credential in an object annotation', [s16], createConfigMap('upstream', { mode: 'on' }, { 'example.com/upstream-auth': `Basic ${s16}` }));

  const s17 = 'canary17BearerInStatusMessage0123';
  add('Bearer credential in responseStatus.message', [s17], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/services/web:80/proxy/`, objectRef: ref('services', 'web:80', { subresource: 'proxy' }), responseStatus: { metadata: {}, code: 503, status: 'Failure', message: `error trying to reach service: upstream said: Authorization: Bearer ${s17} rejected` } }));

  const s18 = 'canary18BearerInUserAgent0123';
  add('Bearer credential in userAgent', [s18], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/pods`, objectRef: ref('pods'), responseStatus: { metadata: {}, code: 200 }, userAgent: `curl/8.5.0 Authorization: Bearer ${s18}` }));

  const s19 = 'canary19-uri-password';
  add('password= in the request URI', [s19], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/services/web:80/proxy/login?user=admin&password=${s19}`, objectRef: ref('services', 'web:80', { subresource: 'proxy' }), responseStatus: { metadata: {}, code: 200 } }));

  const s20 = 'canary20-uri-client-secret';
  add('client_secret= in the request URI', [s20], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/services/oauth:80/proxy/token?client_id=app&client_secret=${s20}`, objectRef: ref('services', 'oauth:80', { subresource: 'proxy' }), responseStatus: { metadata: {}, code: 200 } }));

  const s21 = 'canary21-uri-apikey';
  add('apikey= in the request URI', [s21], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/pods/web:8080/proxy/metrics?apikey=${s21}`, objectRef: ref('pods', 'web:8080', { subresource: 'proxy' }), responseStatus: { metadata: {}, code: 200 } }));

  const s22 = 'canary22-uri-access-token';
  add('access_token= in the request URI', [s22], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/pods/web/proxy/?access_token=${s22}`, objectRef: ref('pods', 'web', { subresource: 'proxy' }), responseStatus: { metadata: {}, code: 200 } }));

  const s23 = 'canary23PemPrivateKeyBody';
  add('PEM private key in a ConfigMap', [s23], createConfigMap('tls', { 'tls.key': pem(s23) }));

  const s24 = 'canary24-literal-env-secret';
  const pod24 = pod('web', [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_PASSWORD', value: s24 }]);
  add('literal secret env value in a Pod', [s24], event({ requestURI: `/api/v1/namespaces/${ns}/pods`, objectRef: ref('pods', 'web'), requestObject: pod24, responseObject: pod24 }));

  const s25 = 'canary25-deployment-env-token';
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.4', env: [{ name: 'GITHUB_TOKEN', value: s25 }] }] } };
  const deploy = { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } };
  add('literal secret env value in a Deployment’s pod template', [s25], event({ requestURI: `/apis/apps/v1/namespaces/${ns}/deployments`, objectRef: { resource: 'deployments', namespace: ns, name: 'web', apiGroup: 'apps', apiVersion: 'v1' }, requestObject: deploy, responseObject: deploy }));

  const s26 = 'canary26LastAppliedToken0123456';
  const applied26 = JSON.stringify(configMap('agent', { 'agent.yaml': `endpoint: https://collector.example.com\ntoken: ${s26}\n` }));
  add('token inside last-applied-configuration of a ConfigMap', [s26], createConfigMap('agent', { 'agent.yaml': 'endpoint: https://collector.example.com\n' }, { 'kubectl.kubernetes.io/last-applied-configuration': applied26 }));

  const s27 = 'canary27-url-password';
  add('password in a connection URL', [s27], createConfigMap('dsn', { DATABASE_URL: `postgres://app:${s27}@db.shop:5432/shop` }));

  const s28 = jwt('canary28-jwt-in-args');
  const job = { kind: 'Job', apiVersion: 'batch/v1', metadata: { name: 'sync', namespace: ns }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'sync', image: 'curlimages/curl:8.5.0', args: ['-H', `X-Auth: ${s28}`, 'https://api.example.com/sync'] }] } } } };
  add('JWT in container args', [s28], event({ requestURI: `/apis/batch/v1/namespaces/${ns}/jobs`, objectRef: { resource: 'jobs', namespace: ns, name: 'sync', apiGroup: 'batch', apiVersion: 'v1' }, requestObject: job }));

  const s29 = 'canary29-json-api-key';
  add('"apiKey" in a JSON file in a ConfigMap', [s29], createConfigMap('app-json', { 'app.json': `{"region": "eu", "apiKey": "${s29}"}` }));

  const s30 = 'canary30BearerInAuditAnnotation01';
  add('Bearer credential in an audit annotation', [s30], event({ verb: 'get', requestURI: `/api/v1/namespaces/${ns}/pods`, objectRef: ref('pods'), responseStatus: { metadata: {}, code: 200 }, annotations: { 'example.com/webhook-debug': `sent Authorization: Bearer ${s30}` } }));

  const s31 = 'canary31-invalid-item-secret';
  const bad31 = event({ requestURI: secretUri, objectRef: ref('secrets', 'db'), requestObject: { kind: 'Secret', metadata: { name: 'db' }, data: { password: b64(s31) } } });
  bad31.stage = 'Finished'; // no such stage
  add('Secret in an item refused as an event (DLQ)', [s31, b64(s31)], bad31, true);

  const s32 = 'canary32InvalidItemBearer0123';
  add('Bearer credential in an item refused as an event (DLQ)', [s32], { kind: 'Event', auditID: 'carrier-32', verb: 'get', stage: `Authorization: Bearer ${s32}` }, true);

  const s33 = 'canary33-webhook-url-password';
  const webhook = { kind: 'ValidatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1', metadata: { name: 'policy' }, webhooks: [{ name: 'policy.example.com', clientConfig: { url: `https://hook:${s33}@policy.example.com/validate` }, admissionReviewVersions: ['v1'], sideEffects: 'None' }] };
  add('password in a webhook client URL', [s33], event({ requestURI: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', objectRef: { resource: 'validatingwebhookconfigurations', name: 'policy', apiGroup: 'admissionregistration.k8s.io', apiVersion: 'v1' }, requestObject: webhook }));
  return c;
}
