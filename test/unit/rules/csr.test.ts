// CSR rules. The test reads ../shared/corpus for Panther's tests (panther-analysis/panther_k8s_tests.jsonl,
// native Events and AKS diagnostic records). The other events are written from the Kubernetes documentation
// (Certificates and Certificate Signing Requests, TLS bootstrapping). The CSRs are real PKCS#10 requests
// generated here: an ECDSA P-256 key from node:crypto, the CertificationRequestInfo built with
// @peculiar/asn1-csr / asn1-x509, signed (ecdsa-with-SHA256, DER signature) and checked with crypto.verify,
// then PEM-wrapped and base64-encoded as `spec.request`.
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
import { envelopeOf } from '#shared/testing';
import { decodeCsrSubject } from '../../../shared/engine/rules/csr/pkcs10.js';
import { admin, auditEvent, bootstrapper, ciBot, controllerManager, eventAt, fire, identity, jane, node1, pantherCases, statefulEngine } from './helpers.js';

const { engine, fired, findingOf } = identity;

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
  return auditEvent({
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

  it('Kubernetes.ClientCertificate.Created ↔ csr-client-cert-requested: 8 of 8 agree', () => {
    const cases = pantherCases(['kubernetes_rules/k8s_client_certificate_created.yml']);
    expect(cases).toHaveLength(8);
    for (const c of cases) expect(fired(c.event).includes('csr-client-cert-requested'), c.name).toBe(c.expected);
    // Not Panther's rule, but worth pinning: "AKS node bootstrap CSR (excluded)" is a hand-written event
    // whose requester `kubelet-nodepool-bootstrap` has no groups, so it is neither a bootstrap token
    // (system:bootstrap:*, system:bootstrappers) nor a node: asking for a kubelet client certificate as
    // an ordinary user is exactly what csr-node-mismatch reports.
    const aks = cases.find((c) => c.name === 'AKS node bootstrap CSR (excluded)');
    expect(aks && fired(aks.event)).toEqual(['csr-node-mismatch']);
  });
});

describe('csr-approved-manually', () => {
  const approval = (user: unknown, conditions: unknown[] | undefined, level = 'Request') =>
    auditEvent({
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

describe('csr-self-approved', () => {
  const csr = (m: number, user: string, sub?: string) =>
    eventAt(m, {
      verb: sub ? 'update' : 'create',
      requestURI: `/apis/certificates.k8s.io/v1/certificatesigningrequests${sub ? `/csr-1/${sub}` : ''}`,
      objectRef: { resource: 'certificatesigningrequests', apiGroup: 'certificates.k8s.io', name: 'csr-1', ...(sub ? { subresource: sub } : {}) },
      user: { username: user, groups: ['system:authenticated'] },
      responseStatus: { code: sub ? 200 : 201 },
    });
  it('fires when the creator approves its own CSR, not when someone else does', () => {
    const e = statefulEngine();
    fire(e, csr(0, 'eve'));
    expect(fire(e, csr(1, 'eve', 'approval'))).toContain('csr-self-approved');
    const f = statefulEngine();
    fire(f, csr(0, 'eve'));
    expect(fire(f, csr(1, 'admin', 'approval'))).not.toContain('csr-self-approved');
  });
});
