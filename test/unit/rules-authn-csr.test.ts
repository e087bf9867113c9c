// Authentication, credential and CSR rules (SPEC §5.1). The test reads ../shared/corpus for real and
// peer-written events: Panther's tests (panther-analysis/panther_k8s_tests.jsonl, native Events and AKS
// diagnostic records), Falco traces and the audit2rbac capture. The other events are written from the
// Kubernetes documentation (Authenticating, Kubelet authentication/authorization, TLS bootstrapping,
// Certificates and Certificate Signing Requests, Managing Service Accounts, User impersonation). The CSRs
// are real PKCS#10 requests generated here: an ECDSA P-256 key from node:crypto, the
// CertificationRequestInfo built with @peculiar/asn1-csr / asn1-x509, signed (ecdsa-with-SHA256, DER
// signature) and checked with crypto.verify, then PEM-wrapped and base64-encoded as `spec.request`.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { builtinRules, createEngine, defaultRuleSettings } from '#shared/engine';
import { unwrapDocument } from '#shared/contracts';
import { corpusLines, envelopeOf, pantherEvent, pantherTests } from '#shared/testing';
import { decodeCsrSubject } from '../../shared/engine/rules/csr/pkcs10.js';

const mine = [
  'anonymous-kubelet-access',
  'anonymous-binding-created',
  'system-masters-used',
  'bootstrap-token-misuse',
  'privileged-impersonation',
  'legacy-token-used',
  'legacy-token-secret-created',
  'token-minted',
  'csr-client-cert-requested',
  'csr-approved-manually',
  'csr-privileged-subject',
  'csr-node-mismatch',
] as const;
type MyRule = (typeof mine)[number];
const mineSet = new Set<string>(mine);

const engine = createEngine();
/** The rules of this file that fire (other families are tested elsewhere and keep changing). */
const fired = (event: unknown, e = engine): string[] =>
  e
    .analyze(envelopeOf(event))
    .findings.map((f) => f.ruleId)
    .filter((id) => mineSet.has(id));
const findingOf = (event: unknown, ruleId: MyRule, e = engine) => e.analyze(envelopeOf(event)).findings.find((f) => f.ruleId === ruleId);

// --- identities, as the Kubernetes authenticators name them -------------------------------------------
const jane = { username: 'jane', groups: ['developers', 'system:authenticated'] };
const admin = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };
const masters = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const anonymous = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const node1 = { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
const bootstrapper = {
  username: 'system:bootstrap:07401b',
  groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
};
const controllerManager = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const ciBot = { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] };

let seq = 0;
function ev(over: Record<string, unknown>): Record<string, unknown> {
  seq += 1;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `7a1c0000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    verb: 'get',
    user: jane,
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.31.0',
    responseStatus: { code: 200 },
    requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
    stageTimestamp: '2026-03-01T10:00:00.050000Z',
    ...over,
  };
}

// --- real PKCS#10 requests ----------------------------------------------------------------------------
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spki = AsnConvert.parse(keys.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
const ecdsaWithSha256 = '1.2.840.10045.4.3.2';
type StringKind = 'utf8String' | 'printableString' | 'bmpString';

function rdn(oid: string, value: string, kind: StringKind): RelativeDistinguishedName {
  return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value: new AttributeValue({ [kind]: value }) })]);
}

/** DER of a signed CSR with subject O=…, CN=… (the order `openssl req -subj "/O=…/CN=…"` writes). */
function csrDer(subject: { cn?: string; o?: string[] }, kind: StringKind = 'utf8String'): Buffer {
  const rdns = [...(subject.o ?? []).map((o) => rdn('2.5.4.10', o, kind)), ...(subject.cn === undefined ? [] : [rdn('2.5.4.3', subject.cn, kind)])];
  const info = new CertificationRequestInfo({ version: 0, subject: new Name(rdns), subjectPKInfo: spki, attributes: new Attributes() });
  const tbs = Buffer.from(AsnConvert.serialize(info));
  const signature = sign('sha256', tbs, { key: keys.privateKey, dsaEncoding: 'der' });
  const csr = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ecdsaWithSha256 }),
    signature: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(csr));
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** `spec.request` as the API carries it: base64 of the PEM block. */
const request = (subject: { cn?: string; o?: string[] }, kind: StringKind = 'utf8String') => Buffer.from(pem(csrDer(subject, kind))).toString('base64');

function csrCreate(
  user: unknown,
  spec: Record<string, unknown>,
  { name = 'csr-1', code = 201, level = 'RequestResponse' }: { name?: string; code?: number; level?: string } = {},
): Record<string, unknown> {
  const object = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec };
  return ev({
    level,
    verb: 'create',
    user,
    requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    objectRef: { resource: 'certificatesigningrequests', name, apiGroup: 'certificates.k8s.io', apiVersion: 'v1' },
    responseStatus: { code },
    ...(level === 'Metadata' ? {} : { requestObject: object }),
    ...(level === 'RequestResponse' && code < 400 ? { responseObject: { ...object, metadata: { name, uid: 'u-1' }, status: {} } } : {}),
  });
}

const clientSigner = 'kubernetes.io/kube-apiserver-client';
const kubeletSigner = 'kubernetes.io/kube-apiserver-client-kubelet';

describe('the catalogue', () => {
  it('registers every rule once, with the severity SPEC §5.1 gives it', () => {
    const severities: Record<MyRule, string> = {
      'anonymous-kubelet-access': 'critical',
      'anonymous-binding-created': 'critical',
      'system-masters-used': 'medium',
      'bootstrap-token-misuse': 'high',
      'privileged-impersonation': 'high',
      'legacy-token-used': 'medium',
      'legacy-token-secret-created': 'medium',
      'token-minted': 'medium',
      'csr-client-cert-requested': 'high',
      'csr-approved-manually': 'high',
      'csr-privileged-subject': 'critical',
      'csr-node-mismatch': 'high',
    };
    for (const id of mine) {
      const rules = builtinRules.filter((r) => r.id === id);
      expect(rules, id).toHaveLength(1);
      expect(rules[0]?.severity, id).toBe(severities[id]);
      expect(rules[0]?.mitre.every((m) => /^T\d{4}(\.\d{3})?$/.test(m)), id).toBe(true);
    }
    expect(builtinRules.filter((r) => r.id === 'anonymous-request-allowed' || r.id === 'stale-token')).toHaveLength(2);
  });
});

describe('the CSR decoder', () => {
  it('generates CSRs that are really signed by their key', () => {
    const der = csrDer({ cn: 'myuser' });
    const parsed = AsnParser.parse(der, CertificationRequest);
    const tbs = Buffer.from(AsnConvert.serialize(parsed.certificationRequestInfo));
    expect(verify('sha256', tbs, keys.publicKey, Buffer.from(parsed.signature))).toBe(true);
  });

  it('reads CN and every O from base64(PEM), base64(DER) and PEM text, in any DirectoryString encoding', () => {
    const subject = { cn: 'system:node:node-1', o: ['system:nodes', 'extra'] };
    const expected = { commonName: 'system:node:node-1', organizations: ['system:nodes', 'extra'] };
    expect(decodeCsrSubject(request(subject))).toEqual(expected);
    expect(decodeCsrSubject(request(subject, 'printableString'))).toEqual(expected);
    expect(decodeCsrSubject(request(subject, 'bmpString'))).toEqual(expected);
    expect(decodeCsrSubject(csrDer(subject).toString('base64'))).toEqual(expected);
    expect(decodeCsrSubject(pem(csrDer(subject)))).toEqual(expected);
    expect(decodeCsrSubject(request({ o: ['only-org'] }))).toEqual({ commonName: null, organizations: ['only-org'] });
  });

  it('returns undefined, never throws, on garbage, truncated and oversized input', () => {
    const der = csrDer({ cn: 'x', o: ['system:masters'] });
    const bad: unknown[] = [
      undefined,
      null,
      42,
      { request: 'x' },
      '',
      'garbage',
      '!!!not base64!!!',
      Buffer.from('hello world').toString('base64'),
      // Panther's "EKS client certificate CSR created" request: base64 of the PEM header alone.
      'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0=',
      Buffer.from(pem(der).slice(0, 120)).toString('base64'),
      der.subarray(0, der.length - 20).toString('base64'),
      Buffer.from([0x30, 0x82, 0xff, 0xff, 0x01, 0x02]).toString('base64'),
      Buffer.from(pem(Buffer.from('not asn1 at all'))).toString('base64'),
      'A'.repeat(200_000),
    ];
    for (const input of bad) expect(() => decodeCsrSubject(input)).not.toThrow();
    for (const input of bad) expect(decodeCsrSubject(input)).toBeUndefined();
  });

  it('hands out copies of cached decodes', () => {
    const r = request({ cn: 'cached', o: ['a'] });
    const first = decodeCsrSubject(r);
    first?.organizations.push('mutated');
    expect(decodeCsrSubject(r)).toEqual({ commonName: 'cached', organizations: ['a'] });
  });
});

describe('anonymous-kubelet-access', () => {
  // Kubelet authn/authz docs: with --anonymous-auth=true (the default) and --authorization-mode=Webhook,
  // the kubelet authorizes callers with SubjectAccessReviews about `nodes` subresources.
  it('fires on an allowed anonymous proxy to a node, also via the deprecated /api/v1/proxy prefix', () => {
    const proxy = ev({
      user: anonymous,
      requestURI: '/api/v1/nodes/node-1/proxy/stats/summary',
      objectRef: { resource: 'nodes', name: 'node-1', subresource: 'proxy', apiVersion: 'v1' },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "oops"' },
    });
    expect(findingOf(proxy, 'anonymous-kubelet-access')).toMatchObject({
      severity: 'critical',
      evidence: { via: 'node-subresource', node: 'node-1', subresource: 'proxy', decision: 'allow' },
    });
    expect(fired(ev({ user: anonymous, requestURI: '/api/v1/proxy/nodes/node-1/pods' }))).toContain('anonymous-kubelet-access');
  });

  it('does not fire when the anonymous proxy was denied, or for authenticated callers on the secure port', () => {
    const denied = ev({
      user: anonymous,
      requestURI: '/api/v1/nodes/node-1/proxy/pods',
      responseStatus: { code: 403 },
      annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
    });
    expect(fired(denied)).not.toContain('anonymous-kubelet-access');
    expect(fired(ev({ user: admin, requestURI: '/api/v1/nodes/node-1:10250/proxy/metrics' }))).not.toContain('anonymous-kubelet-access');
    expect(fired(ev({ user: anonymous, requestURI: '/api/v1/nodes/node-1', responseStatus: { code: 200 } }))).not.toContain(
      'anonymous-kubelet-access',
    );
  });

  const sar = (spec: Record<string, unknown>, status: Record<string, unknown> | undefined, user: unknown = node1) => {
    const object = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec };
    return ev({
      level: status ? 'RequestResponse' : 'Request',
      verb: 'create',
      user,
      userAgent: 'kubelet/v1.31.0 (linux/amd64) kubernetes/9b2b3a1',
      requestURI: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      objectRef: { resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      requestObject: { ...object, status: { allowed: false } },
      ...(status ? { responseObject: { ...object, status } } : {}),
    });
  };
  const anonymousSpec = {
    resourceAttributes: { verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'node-1' },
    user: 'system:anonymous',
    groups: ['system:unauthenticated'],
  };

  it('fires when a kubelet is told by SubjectAccessReview that an anonymous caller may use its API', () => {
    expect(findingOf(sar(anonymousSpec, { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "anon-nodes"' }), 'anonymous-kubelet-access')).toMatchObject({
      evidence: { via: 'kubelet-subjectaccessreview', node: 'node-1', sarUser: 'system:anonymous', allowed: true },
    });
    // Only the group recorded (any username in system:unauthenticated is anonymous).
    const groupOnly = { resourceAttributes: anonymousSpec.resourceAttributes, user: 'someone', groups: ['system:unauthenticated'] };
    expect(fired(sar(groupOnly, { allowed: true }))).toContain('anonymous-kubelet-access');
  });

  it('fires with allowed: null when the level recorded the question but not the answer', () => {
    expect(findingOf(sar(anonymousSpec, undefined), 'anonymous-kubelet-access')?.evidence).toMatchObject({ allowed: null });
  });

  it('does not fire when the answer is no, the subject is authenticated, or the reviewer is not a kubelet', () => {
    expect(fired(sar(anonymousSpec, { allowed: false }))).not.toContain('anonymous-kubelet-access');
    const authenticated = { ...anonymousSpec, user: 'system:serviceaccount:monitoring:prometheus', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(fired(sar(authenticated, { allowed: true }))).not.toContain('anonymous-kubelet-access');
    const aggregator = { username: 'system:serviceaccount:kube-system:metrics-server', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(fired(sar(anonymousSpec, { allowed: true }, aggregator))).not.toContain('anonymous-kubelet-access');
    expect(fired(sar({}, { allowed: true }))).not.toContain('anonymous-kubelet-access');
  });

  it('fires on any proxy to the read-only port 10255 (no authentication there), unless the API server refused it', () => {
    expect(findingOf(ev({ user: admin, requestURI: '/api/v1/nodes/node-1:10255/proxy/pods' }), 'anonymous-kubelet-access')?.evidence).toMatchObject({
      via: 'kubelet-read-only-port',
      node: 'node-1:10255',
    });
    expect(fired(ev({ user: admin, requestURI: '/api/v1/proxy/nodes/node-1:10255/stats' }))).toContain('anonymous-kubelet-access');
    const refused = ev({ user: jane, requestURI: '/api/v1/nodes/node-1:10255/proxy/pods', responseStatus: { code: 403 } });
    expect(fired(refused)).not.toContain('anonymous-kubelet-access');
  });

  it('does not fire on any of Panther’s anonymous-access tests (none reaches a node)', () => {
    const tests = panther(['aws_eks_rules/anonymous_api_access.yml', 'kubernetes_rules/k8s_anonymous_api_access.yml']);
    expect(tests.length).toBe(8 + 5 + 1);
    for (const t of tests) expect(fired(t.event), t.name).not.toContain('anonymous-kubelet-access');
  });
});

describe('anonymous-binding-created', () => {
  const binding = (
    resource: 'clusterrolebindings' | 'rolebindings',
    roleRef: Record<string, unknown> | undefined,
    subjects: unknown[],
    { verb = 'create', user = admin, code = 201, level = 'RequestResponse' }: { verb?: string; user?: unknown; code?: number; level?: string } = {},
  ) => {
    const ns = resource === 'rolebindings' ? 'default' : undefined;
    const object = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: resource === 'rolebindings' ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { name: 'b1', ...(ns ? { namespace: ns } : {}) },
      ...(roleRef ? { roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef } } : {}),
      subjects,
    };
    const base = `/apis/rbac.authorization.k8s.io/v1${ns ? `/namespaces/${ns}` : ''}/${resource}`;
    return ev({
      level,
      verb,
      user,
      requestURI: verb === 'create' ? base : `${base}/b1`,
      objectRef: { resource, name: 'b1', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1', ...(ns ? { namespace: ns } : {}) },
      responseStatus: { code },
      ...(level === 'Metadata' ? {} : { requestObject: object }),
    });
  };
  const unauthenticated = { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' };
  const anonymousUser = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' };
  const authenticated = { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' };

  it('fires on bindings to system:unauthenticated or system:anonymous, whatever the role', () => {
    const crb = binding('clusterrolebindings', { kind: 'ClusterRole', name: 'cluster-admin' }, [unauthenticated]);
    expect(findingOf(crb, 'anonymous-binding-created')).toMatchObject({
      severity: 'critical',
      evidence: { binding: 'ClusterRoleBinding', name: 'b1', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:unauthenticated' }] },
    });
    const rb = binding('rolebindings', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', name: 'jane' }, anonymousUser]);
    expect(findingOf(rb, 'anonymous-binding-created')?.evidence.subjects).toEqual([{ kind: 'User', name: 'system:anonymous' }]);
    // Even the discovery roles: the stock binding of system:public-info-viewer is the API server's to make.
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'system:discovery' }, [unauthenticated]))).toContain(
      'anonymous-binding-created',
    );
  });

  it('fires on system:authenticated bound to anything but the discovery roles, also by patch', () => {
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'view' }, [authenticated]))).toContain('anonymous-binding-created');
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'edit' }, [authenticated], { verb: 'update', code: 200 }))).toContain(
      'anonymous-binding-created',
    );
    // A merge patch adding system:unauthenticated (roleRef is immutable, so the patch has none).
    expect(fired(binding('rolebindings', undefined, [unauthenticated], { verb: 'patch', code: 200, level: 'Request' }))).toContain(
      'anonymous-binding-created',
    );
  });

  it('does not fire on the stock discovery bindings, unknown roles, failures, reads or Metadata level', () => {
    for (const role of ['system:discovery', 'system:basic-user', 'system:public-info-viewer']) {
      expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: role }, [authenticated]))).not.toContain('anonymous-binding-created');
    }
    // kube-apiserver reconciling its default ClusterRoleBinding system:public-info-viewer at start-up.
    const apiserver = { username: 'system:apiserver', groups: ['system:masters'] };
    expect(
      fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'system:public-info-viewer' }, [authenticated, unauthenticated], { user: apiserver })),
    ).not.toContain('anonymous-binding-created');
    expect(fired(binding('rolebindings', undefined, [authenticated], { verb: 'patch', code: 200, level: 'Request' }))).not.toContain(
      'anonymous-binding-created',
    );
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'cluster-admin' }, [unauthenticated], { code: 403 }))).not.toContain(
      'anonymous-binding-created',
    );
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'cluster-admin' }, [unauthenticated], { level: 'Metadata' }))).not.toContain(
      'anonymous-binding-created',
    );
    expect(fired(binding('clusterrolebindings', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'jane' }]))).not.toContain(
      'anonymous-binding-created',
    );
  });

  it('does not fire on Panther’s privileged ClusterRoleBinding tests (none binds an anonymous subject)', () => {
    const tests = panther(['kubernetes_rules/k8s_clusterrolebinding_privileged.yml']);
    expect(tests.length).toBe(8);
    for (const t of tests) expect(fired(t.event), t.name).not.toContain('anonymous-binding-created');
  });
});

describe('system-masters-used', () => {
  it('fires on every audit2rbac request: system:admin is in system:masters (impersonating or not)', () => {
    const events = corpusLines('audit2rbac/demo.log');
    const findings = events.map((e) => findingOf(e, 'system-masters-used'));
    expect(findings.filter((f) => f !== undefined)).toHaveLength(37);
    expect(findings[0]?.evidence).toMatchObject({ user: 'system:admin', impersonatedUser: 'bob' });
  });

  it('does not fire for configured break-glass identities', () => {
    const breakGlass = createEngine({ settings: { ...defaultRuleSettings, breakGlassIdentities: ['system:admin'] } });
    for (const e of corpusLines('audit2rbac/demo.log')) expect(fired(e, breakGlass)).not.toContain('system-masters-used');
    expect(fired(ev({ user: masters }), breakGlass)).toContain('system-masters-used');
  });

  it('fires on EKS’s system:masters mapping and the Falco/minikube traces', () => {
    const eks = pantherEvent('aws_eks_rules/source_ip_multiple_403.yml', 'Not 403');
    expect(findingOf(eks, 'system-masters-used')?.evidence).toMatchObject({ user: 'kubernetes-admin' });
    const [minikube] = corpusLines('falco-k8s-audit/minikube_creates_namespace_foo.json');
    expect(fired(minikube)).toContain('system-masters-used');
  });

  it('does not fire for the API server loopback client or without the group', () => {
    expect(fired(ev({ user: { username: 'system:apiserver', uid: 'u', groups: ['system:masters'] } }))).not.toContain('system-masters-used');
    expect(fired(ev({ user: admin }))).not.toContain('system-masters-used');
  });

  it('yields one finding per request: the stages of one auditID share the finding id', () => {
    const complete = ev({ user: masters });
    const started = { ...complete, stage: 'ResponseStarted' };
    expect(findingOf(started, 'system-masters-used')?.id).toBe(findingOf(complete, 'system-masters-used')?.id);
  });
});

describe('bootstrap-token-misuse', () => {
  // TLS bootstrapping: the bootstrap token may create CSRs and watch them; kubeadm join also reads the
  // kubeadm-config / kubelet-config / kube-proxy ConfigMaps and gets nodes under RBAC kubeadm grants.
  const as = (over: Record<string, unknown>) => ev({ user: bootstrapper, userAgent: 'kubelet/v1.31.0', ...over });

  it('fires on anything beyond CSRs and discovery, allowed or not', () => {
    const secrets = as({ verb: 'list', requestURI: '/api/v1/namespaces/kube-system/secrets', responseStatus: { code: 403 } });
    expect(findingOf(secrets, 'bootstrap-token-misuse')?.evidence).toMatchObject({
      user: 'system:bootstrap:07401b',
      verb: 'list',
      resource: 'secrets',
      namespace: 'kube-system',
      responseCode: 403,
    });
    expect(fired(as({ verb: 'create', requestURI: '/api/v1/namespaces/default/pods', responseStatus: { code: 201 } }))).toContain('bootstrap-token-misuse');
    expect(fired(as({ verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/coredns' }))).toContain('bootstrap-token-misuse');
    expect(fired(as({ verb: 'update', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1/approval' }))).toContain(
      'bootstrap-token-misuse',
    );
    expect(fired(as({ verb: 'get', requestURI: '/metrics' }))).toContain('bootstrap-token-misuse');
    // The bootstrappers group alone marks a bootstrap identity too.
    expect(fired(ev({ user: { username: 'joiner', groups: ['system:bootstrappers'] }, verb: 'list', requestURI: '/api/v1/pods' }))).toContain(
      'bootstrap-token-misuse',
    );
  });

  it('does not fire on the TLS bootstrap itself, discovery, or kubeadm join’s reads', () => {
    const allowed = [
      as({ verb: 'create', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests', responseStatus: { code: 201 } }),
      as({ verb: 'get', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1' }),
      as({ verb: 'list', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldSelector=metadata.name%3Dnode-csr-1&limit=500' }),
      as({ verb: 'watch', requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldSelector=metadata.name%3Dnode-csr-1&watch=true' }),
      as({ verb: 'get', requestURI: '/api' }),
      as({ verb: 'get', requestURI: '/apis/certificates.k8s.io/v1' }),
      as({ verb: 'get', requestURI: '/version?timeout=32s' }),
      as({ verb: 'get', requestURI: '/healthz' }),
      as({ verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/kubeadm-config' }),
      as({ verb: 'get', requestURI: '/api/v1/namespaces/kube-system/configmaps/kubelet-config' }),
      as({ verb: 'get', requestURI: '/api/v1/nodes/node-3' }),
    ];
    for (const e of allowed) expect(fired(e), String(e.requestURI)).not.toContain('bootstrap-token-misuse');
    expect(fired(ev({ user: node1, verb: 'list', requestURI: '/api/v1/pods' }))).not.toContain('bootstrap-token-misuse');
  });
});

describe('privileged-impersonation', () => {
  const impersonating = (user: unknown, impersonatedUser: unknown) =>
    ev({ user, impersonatedUser, verb: 'list', requestURI: '/api/v1/namespaces/default/pods' });

  it('does not fire on the audit2rbac capture: a system:masters admin checking what bob, alice and ns1:sa1 may do', () => {
    // Impersonating unprivileged users, and a service account outside kube-system, is the documented way
    // for an administrator to check permissions (kubectl --as); the capture holds nothing else.
    const events = corpusLines('audit2rbac/demo.log');
    for (const e of events) expect(fired(e)).not.toContain('privileged-impersonation');
    expect(events.map((e) => fired(e)).flat().filter((id) => id !== 'system-masters-used')).toEqual([]);
  });

  it('fires when a privileged identity is impersonated, even by an administrator', () => {
    const cases: [unknown, string][] = [
      [{ username: 'system:admin', groups: ['system:authenticated'] }, 'system:admin'],
      [{ username: 'system:kube-controller-manager' }, 'system:kube-controller-manager'],
      [{ username: 'system:node:node-2', groups: ['system:nodes'] }, 'system:node:node-2'],
      [{ username: 'system:serviceaccount:kube-system:replicaset-controller' }, 'system:serviceaccount:kube-system:replicaset-controller'],
      [{ username: 'system:serviceaccount:kube-system:my-operator' }, 'system:serviceaccount:kube-system:my-operator'],
      [{ username: 'bob', groups: ['system:masters', 'system:authenticated'] }, 'group system:masters'],
    ];
    for (const [target, named] of cases) {
      const f = findingOf(impersonating(masters, target), 'privileged-impersonation');
      expect(f?.evidence, named).toMatchObject({ reasons: ['privileged-target'], impersonator: 'kubernetes-admin' });
      expect(f?.summary, named).toContain(named);
    }
  });

  it('fires when a user or service account outside system:masters impersonates anyone', () => {
    expect(findingOf(impersonating(ciBot, { username: 'bob', groups: ['system:authenticated'] }), 'privileged-impersonation')?.evidence).toMatchObject({
      reasons: ['non-admin-impersonator'],
      impersonator: 'system:serviceaccount:ci:deployer',
      impersonatedUser: 'bob',
    });
    expect(findingOf(impersonating(admin, { username: 'system:admin' }), 'privileged-impersonation')?.evidence.reasons).toEqual([
      'privileged-target',
      'non-admin-impersonator',
    ]);
  });

  it('does not fire without impersonation, or for an administrator impersonating an ordinary user', () => {
    expect(fired(ev({ user: jane }))).not.toContain('privileged-impersonation');
    expect(fired(impersonating(masters, { username: 'jane', groups: ['developers', 'system:authenticated'] }))).not.toContain('privileged-impersonation');
    // Control-plane components are neither targets nor "non-admin" impersonators.
    expect(fired(impersonating(controllerManager, { username: 'jane' }))).not.toContain('privileged-impersonation');
  });
});

describe('legacy-token-used', () => {
  it('fires on the legacy-token annotation and every legacy-token-* variant, naming them all', () => {
    const annotations = {
      'authentication.k8s.io/legacy-token': 'system:serviceaccount:default:app',
      'authentication.k8s.io/legacy-token-autogenerated-secret': 'app-token-x7k2p',
      'authorization.k8s.io/decision': 'allow',
    };
    const user = { username: 'system:serviceaccount:default:app', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(findingOf(ev({ user, annotations, requestURI: '/api/v1/namespaces/default/pods' }), 'legacy-token-used')?.evidence).toEqual({
      annotations: {
        'authentication.k8s.io/legacy-token': 'system:serviceaccount:default:app',
        'authentication.k8s.io/legacy-token-autogenerated-secret': 'app-token-x7k2p',
      },
      user: 'system:serviceaccount:default:app',
      clientIp: '10.0.0.7',
    });
    expect(fired(ev({ user, annotations: { 'authentication.k8s.io/legacy-token-manual-secret': 'ci-token' } }))).toContain('legacy-token-used');
    // Since 1.29 an invalidated legacy token is refused (401) and the attempt annotated.
    const invalidated = ev({ user: { username: '' }, responseStatus: { code: 401 }, annotations: { 'authentication.k8s.io/legacy-token-invalidated': 'old-token/default' } });
    expect(fired(invalidated)).toContain('legacy-token-used');
  });

  it('does not fire on bound tokens, stale tokens or look-alike keys', () => {
    expect(fired(ev({ user: ciBot }))).not.toContain('legacy-token-used');
    expect(fired(ev({ user: ciBot, annotations: { 'authentication.k8s.io/stale-token': 'subject: x, seconds after warning threshold: 1' } }))).not.toContain(
      'legacy-token-used',
    );
    expect(fired(ev({ user: ciBot, annotations: { 'authentication.k8s.io/legacy-tokens': 'x' } }))).not.toContain('legacy-token-used');
  });
});

describe('legacy-token-secret-created', () => {
  const secret = (type: string, { user = admin, code = 201, level = 'Request' }: { user?: unknown; code?: number; level?: string } = {}) =>
    ev({
      level,
      verb: 'create',
      user,
      requestURI: '/api/v1/namespaces/default/secrets',
      objectRef: { resource: 'secrets', namespace: 'default', name: 'build-robot-secret', apiVersion: 'v1' },
      responseStatus: { code },
      requestObject: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'build-robot-secret', annotations: { 'kubernetes.io/service-account.name': 'build-robot' } },
        type,
      },
    });

  it('fires on a manually created service-account-token Secret (Managing Service Accounts docs)', () => {
    expect(findingOf(secret('kubernetes.io/service-account-token'), 'legacy-token-secret-created')?.evidence).toEqual({
      type: 'kubernetes.io/service-account-token',
      namespace: 'default',
      name: 'build-robot-secret',
      serviceAccount: 'build-robot',
      user: 'kubernetes-admin',
    });
  });

  it('does not fire on other types, failures, the token controller, or at Metadata level (no type recorded)', () => {
    expect(fired(secret('Opaque'))).not.toContain('legacy-token-secret-created');
    expect(fired(secret('kubernetes.io/service-account-token', { code: 403 }))).not.toContain('legacy-token-secret-created');
    expect(fired(secret('kubernetes.io/service-account-token', { user: controllerManager }))).not.toContain('legacy-token-secret-created');
    // Falco's trace: the pre-1.24 tokens-controller creating default-token-7v4pb, level Metadata.
    const [falco] = corpusLines('falco-k8s-audit/create_service_account_token_secret.json');
    expect(fired(falco)).toEqual([]);
  });
});

describe('token-minted', () => {
  const tokenRequest = (user: unknown, code = 201, namespace = 'default') =>
    ev({
      level: 'Metadata',
      verb: 'create',
      user,
      requestURI: `/api/v1/namespaces/${namespace}/serviceaccounts/build-robot/token`,
      objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace, name: 'build-robot', apiVersion: 'v1' },
      responseStatus: { code },
    });

  it('fires on kubectl create token by a user or service account', () => {
    expect(findingOf(tokenRequest(admin), 'token-minted')?.evidence).toEqual({
      serviceAccount: { namespace: 'default', name: 'build-robot' },
      user: 'kubernetes-admin',
      identityKind: 'user',
      clientIp: '10.0.0.7',
    });
    expect(fired(tokenRequest(ciBot, 201, 'kube-system'))).toContain('token-minted');
  });

  it('does not fire for kubelets minting pod tokens, the control plane, failures or other verbs', () => {
    expect(fired(tokenRequest(node1))).not.toContain('token-minted');
    expect(fired(tokenRequest(controllerManager))).not.toContain('token-minted');
    expect(fired(tokenRequest(admin, 403))).not.toContain('token-minted');
    expect(fired(ev({ user: admin, requestURI: '/api/v1/namespaces/default/serviceaccounts/build-robot' }))).not.toContain('token-minted');
  });
});

describe('csr-client-cert-requested', () => {
  // "Normal user" in the CSR docs: openssl req -subj "/CN=myuser", signer kube-apiserver-client.
  const spec = { request: request({ cn: 'myuser' }), signerName: clientSigner, expirationSeconds: 86400, usages: ['client auth'] };

  it('fires when a non-system identity asks for an API client certificate', () => {
    expect(findingOf(csrCreate(jane, spec, { name: 'myuser' }), 'csr-client-cert-requested')).toMatchObject({
      severity: 'high',
      evidence: { signerName: clientSigner, name: 'myuser', user: 'jane', cn: 'myuser', organizations: [] },
    });
    expect(fired(csrCreate(ciBot, spec, { level: 'Request' }))).toContain('csr-client-cert-requested');
  });

  it('does not fire for system identities, other signers, or failed creations', () => {
    expect(fired(csrCreate(controllerManager, spec))).not.toContain('csr-client-cert-requested');
    expect(fired(csrCreate(node1, { ...spec, signerName: 'kubernetes.io/kubelet-serving' }))).not.toContain('csr-client-cert-requested');
    expect(fired(csrCreate(jane, spec, { code: 403 }))).not.toContain('csr-client-cert-requested');
    // At level Metadata the signer is not recorded: nothing to judge.
    expect(fired(csrCreate(ciBot, spec, { level: 'Metadata' }))).not.toContain('csr-client-cert-requested');
  });
});

describe('csr-approved-manually', () => {
  const approval = (user: unknown, conditions: unknown[] | undefined, level = 'Request') =>
    ev({
      level,
      verb: 'update',
      user,
      requestURI: '/apis/certificates.k8s.io/v1/certificatesigningrequests/myuser/approval',
      objectRef: { resource: 'certificatesigningrequests', subresource: 'approval', name: 'myuser', apiGroup: 'certificates.k8s.io', apiVersion: 'v1' },
      ...(level === 'Metadata'
        ? {}
        : {
            requestObject: {
              apiVersion: 'certificates.k8s.io/v1',
              kind: 'CertificateSigningRequest',
              metadata: { name: 'myuser' },
              spec: { signerName: clientSigner, usages: ['client auth'] },
              status: { conditions },
            },
          }),
    });
  const approved = [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }];

  it('fires on kubectl certificate approve, and at Metadata level with approved: null', () => {
    expect(findingOf(approval(admin, approved), 'csr-approved-manually')?.evidence).toEqual({
      name: 'myuser',
      approver: 'kubernetes-admin',
      identityKind: 'user',
      approved: true,
      signerName: clientSigner,
    });
    expect(findingOf(approval(admin, undefined, 'Metadata'), 'csr-approved-manually')?.evidence).toMatchObject({ approved: null });
  });

  it('does not fire for the controller approver, a denial, or a failed approval', () => {
    expect(fired(approval(controllerManager, approved))).not.toContain('csr-approved-manually');
    const certificateController = { username: 'system:serviceaccount:kube-system:certificate-controller', groups: ['system:serviceaccounts'] };
    expect(fired(approval(certificateController, approved))).not.toContain('csr-approved-manually');
    expect(fired(approval(admin, [{ type: 'Denied', status: 'True', reason: 'KubectlDeny' }]))).not.toContain('csr-approved-manually');
    expect(fired({ ...approval(admin, approved), responseStatus: { code: 403 } })).not.toContain('csr-approved-manually');
  });
});

describe('csr-privileged-subject', () => {
  it('fires on a request for O=system:masters or a control-plane CN, whatever the encoding', () => {
    const masterCsr = csrCreate(jane, { request: request({ cn: 'backdoor', o: ['system:masters'] }), signerName: clientSigner, usages: ['client auth'] });
    expect(findingOf(masterCsr, 'csr-privileged-subject')).toMatchObject({
      severity: 'critical',
      evidence: { cn: 'backdoor', organizations: ['system:masters'], signerName: clientSigner },
    });
    const scheduler = csrCreate(jane, { request: request({ cn: 'system:kube-scheduler' }, 'printableString'), signerName: clientSigner });
    expect(findingOf(scheduler, 'csr-privileged-subject')?.evidence).toEqual({ cn: 'system:kube-scheduler', organizations: [], signerName: clientSigner });
    const der = csrCreate(jane, { request: csrDer({ cn: 'system:admin' }).toString('base64'), signerName: 'example.com/legacy' });
    expect(fired(der)).toContain('csr-privileged-subject');
  });

  it('does not fire on ordinary subjects, failed creations, or requests that do not decode', () => {
    expect(fired(csrCreate(jane, { request: request({ cn: 'myuser', o: ['dev'] }), signerName: clientSigner }))).not.toContain('csr-privileged-subject');
    expect(fired(csrCreate(jane, { request: request({ o: ['system:masters'] }), signerName: clientSigner }, { code: 403 }))).not.toContain(
      'csr-privileged-subject',
    );
    for (const garbage of ['%%%', 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0=', csrDer({ o: ['system:masters'] }).subarray(0, 50).toString('base64')]) {
      const e = csrCreate(jane, { request: garbage, signerName: clientSigner });
      expect(() => engine.analyze(envelopeOf(e))).not.toThrow();
      expect(fired(e)).toEqual(['csr-client-cert-requested']);
    }
  });
});

describe('csr-node-mismatch', () => {
  // TLS bootstrapping docs: O=system:nodes, CN=system:node:<nodeName>, signer kube-apiserver-client-kubelet.
  const kubeletCsr = (user: unknown, cn: string, name = 'node-csr-1') =>
    csrCreate(user, { request: request({ cn, o: ['system:nodes'] }), signerName: kubeletSigner, usages: ['digital signature', 'client auth'] }, { name });

  it('fires when a kubelet asks for another node’s certificate', () => {
    expect(findingOf(kubeletCsr(node1, 'system:node:node-2'), 'csr-node-mismatch')?.evidence).toEqual({
      reason: 'cn-is-another-node',
      cn: 'system:node:node-2',
      signerName: kubeletSigner,
      requester: 'system:node:node-1',
      requesterKind: 'node',
      requesterNode: 'node-1',
    });
    expect(findingOf(kubeletCsr(bootstrapper, 'evil'), 'csr-node-mismatch')?.evidence.reason).toBe('cn-is-not-a-node');
  });

  it('fires when neither a node nor a bootstrapper asks for a kubelet client certificate', () => {
    expect(findingOf(kubeletCsr(jane, 'system:node:node-9'), 'csr-node-mismatch')?.evidence).toMatchObject({
      reason: 'requester-not-node-or-bootstrapper',
      requesterKind: 'user',
    });
    const undecodable = csrCreate(ciBot, { request: 'garbage', signerName: kubeletSigner });
    expect(findingOf(undecodable, 'csr-node-mismatch')?.evidence).toMatchObject({ reason: 'requester-not-node-or-bootstrapper', cn: null });
  });

  it('does not fire on the bootstrap flow, a kubelet renewing its own certificate, or the control plane', () => {
    expect(fired(kubeletCsr(bootstrapper, 'system:node:node-3'))).toEqual([]);
    expect(fired(kubeletCsr(node1, 'system:node:node-1', 'csr-8m6l2'))).toEqual([]);
    expect(fired(kubeletCsr(controllerManager, 'system:node:node-4'))).not.toContain('csr-node-mismatch');
    expect(fired(csrCreate(node1, { request: 'garbage', signerName: kubeletSigner }))).toEqual([]);
    expect(fired(csrCreate(node1, { request: request({ cn: 'system:node:node-1' }), signerName: 'kubernetes.io/kubelet-serving' }))).toEqual([]);
  });
});

// --- Panther: per mapped rule, how many of its native-Event (EKS) and AKS tests we agree with ---------
interface PantherCase {
  file: string;
  name: string;
  expected: boolean;
  event: unknown;
}

/** Panther's tests of these files whose log is (or wraps) a native audit Event; GKE/Azure activity excluded. */
function panther(files: string[]): PantherCase[] {
  const out: PantherCase[] = [];
  const fileSet = new Set(files);
  for (const t of pantherTests()) {
    if (!fileSet.has(t.source_file)) continue;
    const events = t.format === 'k8s_audit_event' ? [t.log] : t.format === 'azure_diagnostics_wrapped_string' ? unwrapDocument(t.log) : [];
    for (const event of events) out.push({ file: t.source_file, name: t.test_name, expected: t.expected_result, event });
  }
  return out;
}

describe('Panther agreement', () => {
  it('Kubernetes.ClientCertificate.Created ↔ csr-client-cert-requested: 8 of 8 agree', () => {
    const cases = panther(['kubernetes_rules/k8s_client_certificate_created.yml']);
    expect(cases).toHaveLength(8);
    for (const c of cases) expect(fired(c.event).includes('csr-client-cert-requested'), c.name).toBe(c.expected);
    // Not Panther's rule, but worth pinning: "AKS node bootstrap CSR (excluded)" is a hand-written event
    // whose requester `kubelet-nodepool-bootstrap` has no groups, so it is neither a bootstrap token
    // (system:bootstrap:*, system:bootstrappers) nor a node: asking for a kubelet client certificate as
    // an ordinary user is exactly what csr-node-mismatch reports.
    const aks = cases.find((c) => c.name === 'AKS node bootstrap CSR (excluded)');
    expect(aks && fired(aks.event)).toEqual(['csr-node-mismatch']);
  });

  it('Kubernetes.ServiceAccount.TokenCreated ↔ token-minted: 8 of 9 agree', () => {
    const cases = panther(['kubernetes_rules/k8s_serviceaccount_token_created.yml']);
    expect(cases).toHaveLength(9);
    // Panther alerts on system:kube-controller-manager minting a token outside kube-system; SPEC's
    // token-minted exempts the control plane, which mints tokens for its own controllers legitimately.
    const disagree = new Set(['System principal in user namespace (alert)']);
    let agree = 0;
    for (const c of cases) {
      const ours = fired(c.event).includes('token-minted');
      expect(ours, c.name).toBe(disagree.has(c.name) ? !c.expected : c.expected);
      if (ours === c.expected) agree += 1;
    }
    expect(agree).toBe(8);
  });

  it('no other Panther test sets off these rules, except system:masters credentials (EKS admin, AKS masterclient)', () => {
    const all = pantherTests().map((t) => t.source_file);
    const hits = new Map<string, string[]>();
    for (const c of panther([...new Set(all)])) {
      const ids = fired(c.event);
      if (ids.length > 0) hits.set(`${c.file} | ${c.name}`, ids);
    }
    const cert = 'kubernetes_rules/k8s_client_certificate_created.yml';
    const token = 'kubernetes_rules/k8s_serviceaccount_token_created.yml';
    expect(Object.fromEntries(hits)).toEqual({
      [`${cert} | EKS client certificate CSR created`]: ['csr-client-cert-requested'],
      [`${cert} | AKS client certificate CSR created`]: ['csr-client-cert-requested'],
      [`${cert} | Service account creating certificate (higher severity)`]: ['csr-client-cert-requested'],
      [`${cert} | AKS node bootstrap CSR (excluded)`]: ['csr-node-mismatch'],
      [`${token} | EKS long-lived token created`]: ['token-minted'],
      [`${token} | AKS long-lived token created`]: ['token-minted'],
      [`${token} | Token created in default namespace`]: ['token-minted'],
      [`${token} | User creating token in system namespace (alert)`]: ['token-minted'],
      'aws_eks_rules/source_ip_multiple_403.yml | Not 403': ['system-masters-used'],
      'aws_eks_rules/system_namespace_public_ip.yml | non-system username': ['system-masters-used'],
      'kubernetes_rules/k8s_exec_into_pod.yml | AKS Exec Into Pod (realistic)': ['system-masters-used'],
    });
  });
});
