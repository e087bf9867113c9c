import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { decodeCsrSubject, type CsrSubject } from './pkcs10.js';
import { inApiGroup, arr, field, type Obj, str, succeeded, writtenObject } from '../objects.js';
import { rulesOf } from '../types.js';

/** The constructor of this folder's rules (the category is stated here, once). */
export const csrRule = rulesOf('csr');

// The CertificateSigningRequest flow (certificates.k8s.io/v1): a client creates a CSR naming a signer,
// someone approves it (`update certificatesigningrequests/<name>/approval`), the signer issues the
// certificate into status.certificate. For the built-in kube-apiserver client signers the certificate's
// CN becomes the username and its O values the groups: whoever gets O=system:masters signed is a cluster
// administrator for the certificate's lifetime, and certificates cannot be revoked.

export const csrResource = 'certificatesigningrequests';

export const csrGroup = 'certificates.k8s.io';

export const clientSigner = 'kubernetes.io/kube-apiserver-client';

export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';

export const nodePrefix = 'system:node:';

/** A CSR request (not a subresource) with the given verb, in certificates.k8s.io. */
export function isCsr(record: NormalizedRecord, verb: string): boolean {
  return record.resource === csrResource && record.derivedVerb === verb && inApiGroup(record, csrGroup);
}

export interface CreatedCsr {
  csr: Obj | undefined;
  signerName: string | null;
}

/** A successfully created CSR and its signer (null when the level recorded no object). */
export function createdCsr(record: NormalizedRecord, event: AuditEvent): CreatedCsr | undefined {
  if (!isCsr(record, 'create') || record.subresource !== null || !succeeded(record)) return undefined;
  const csr = writtenObject(event);
  return { csr, signerName: str(field(csr, 'spec', 'signerName')) ?? null };
}

export function csrName(record: NormalizedRecord, csr: Obj | undefined): string | null {
  return record.name ?? str(field(csr, 'metadata', 'name')) ?? null;
}

export function subjectOf(csr: Obj | undefined): CsrSubject | undefined {
  return decodeCsrSubject(field(csr, 'spec', 'request'));
}

// kube-controller-manager's csrapproving controller approves kubelet CSRs; it runs as
// system:kube-controller-manager, or as this service account with --use-service-account-credentials.
export const controllerApprovers = new Set(['system:serviceaccount:kube-system:certificate-controller', 'system:kube-controller-manager']);

export const approvalVerbs = new Set(['update', 'patch']);

/** true/false from the written object's conditions; null when the level recorded no conditions. */
export function approvedCondition(object: Obj | undefined): boolean | null {
  const conditions = field(object, 'status', 'conditions');
  if (!Array.isArray(conditions)) return null;
  return arr(conditions).some((c) => str(field(c, 'type')) === 'Approved' && str(field(c, 'status')) !== 'False');
}

export const mastersGroup = 'system:masters';

// Control-plane usernames: a certificate with one of these CNs authenticates as that component.
export const controlPlaneCommonNames = new Set([
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:apiserver',
  'system:admin',
  'system:kube-proxy',
]);
