import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { decodeCsrSubject, type CsrSubject } from './csr-request.js';
import { inApiGroup, arr, field, isSystemIdentity, type Obj, str, succeeded, writtenObject } from './objects.js';
import type { Rule } from './types.js';

// The CertificateSigningRequest flow (certificates.k8s.io/v1): a client creates a CSR naming a signer,
// someone approves it (`update certificatesigningrequests/<name>/approval`), the signer issues the
// certificate into status.certificate. For the built-in kube-apiserver client signers the certificate's
// CN becomes the username and its O values the groups: whoever gets O=system:masters signed is a cluster
// administrator for the certificate's lifetime, and certificates cannot be revoked.

const csrResource = 'certificatesigningrequests';
const csrGroup = 'certificates.k8s.io';
const clientSigner = 'kubernetes.io/kube-apiserver-client';
const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
const nodePrefix = 'system:node:';

/** A CSR request (not a subresource) with the given verb, in certificates.k8s.io. */
function isCsr(record: NormalizedRecord, verb: string): boolean {
  return record.resource === csrResource && record.derivedVerb === verb && inApiGroup(record, csrGroup);
}

interface CreatedCsr {
  csr: Obj | undefined;
  signerName: string | null;
}

/** A successfully created CSR and its signer (null when the level recorded no object). */
function createdCsr(record: NormalizedRecord, event: AuditEvent): CreatedCsr | undefined {
  if (!isCsr(record, 'create') || record.subresource !== null || !succeeded(record)) return undefined;
  const csr = writtenObject(event);
  return { csr, signerName: str(field(csr, 'spec', 'signerName')) ?? null };
}

function csrName(record: NormalizedRecord, csr: Obj | undefined): string | null {
  return record.name ?? str(field(csr, 'metadata', 'name')) ?? null;
}

function subjectOf(csr: Obj | undefined): CsrSubject | undefined {
  return decodeCsrSubject(field(csr, 'spec', 'request'));
}

export const csrClientCertRequested: Rule = {
  id: 'csr-client-cert-requested',
  title: 'Client certificate requested for the API server',
  severity: 'high',
  category: 'csr',
  mitre: ['T1649', 'T1098.001'],
  evaluate({ record, event }) {
    if (record.resource !== csrResource || isSystemIdentity(record)) return undefined;
    const created = createdCsr(record, event);
    if (created?.signerName !== clientSigner) return undefined;
    const subject = subjectOf(created.csr);
    const name = csrName(record, created.csr);
    return {
      summary: `${record.user} requested a client certificate for the API server (CSR ${name ?? ''}${subject?.commonName ? `, CN ${subject.commonName}` : ''}).`,
      evidence: {
        signerName: clientSigner,
        name,
        user: record.user,
        identityKind: record.identityKind,
        cn: subject?.commonName ?? null,
        organizations: subject?.organizations ?? null,
      },
    };
  },
};

// kube-controller-manager's csrapproving controller approves kubelet CSRs; it runs as
// system:kube-controller-manager, or as this service account with --use-service-account-credentials.
const controllerApprovers = new Set(['system:serviceaccount:kube-system:certificate-controller', 'system:kube-controller-manager']);
const approvalVerbs = new Set(['update', 'patch']);

/** true/false from the written object's conditions; null when the level recorded no conditions. */
function approvedCondition(object: Obj | undefined): boolean | null {
  const conditions = field(object, 'status', 'conditions');
  if (!Array.isArray(conditions)) return null;
  return arr(conditions).some((c) => str(field(c, 'type')) === 'Approved' && str(field(c, 'status')) !== 'False');
}

export const csrApprovedManually: Rule = {
  id: 'csr-approved-manually',
  title: 'Certificate signing request approved by hand',
  severity: 'high',
  category: 'csr',
  mitre: ['T1649', 'T1098.001'],
  evaluate({ record, event }) {
    if (record.subresource !== 'approval' || record.resource !== csrResource) return undefined;
    if (!approvalVerbs.has(record.derivedVerb) || !inApiGroup(record, csrGroup) || !succeeded(record)) return undefined;
    if (controllerApprovers.has(record.user)) return undefined;
    // `kubectl certificate deny` writes the same subresource with a Denied condition: not an approval.
    const object = writtenObject(event);
    const approved = approvedCondition(object);
    if (approved === false) return undefined;
    const name = csrName(record, object);
    return {
      summary: `${record.user} approved certificate signing request ${name ?? ''} by hand${approved === null ? ' (the approval condition was not recorded)' : ''}.`,
      evidence: {
        name,
        approver: record.user,
        identityKind: record.identityKind,
        approved,
        signerName: str(field(object, 'spec', 'signerName')) ?? null,
      },
    };
  },
};

const mastersGroup = 'system:masters';
// Control-plane usernames: a certificate with one of these CNs authenticates as that component.
const controlPlaneCommonNames = new Set([
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:apiserver',
  'system:admin',
  'system:kube-proxy',
]);

export const csrPrivilegedSubject: Rule = {
  id: 'csr-privileged-subject',
  title: 'Certificate requested for a privileged identity',
  severity: 'critical',
  category: 'csr',
  mitre: ['T1649', 'T1078', 'T1098.001'],
  evaluate({ record, event }) {
    if (record.resource !== csrResource) return undefined;
    const created = createdCsr(record, event);
    const subject = subjectOf(created?.csr);
    if (!created || !subject) return undefined;
    const masters = subject.organizations.includes(mastersGroup);
    const controlPlane = subject.commonName !== null && controlPlaneCommonNames.has(subject.commonName);
    if (!masters && !controlPlane) return undefined;
    const asked = [masters ? `O=${mastersGroup}` : '', controlPlane ? `CN=${subject.commonName ?? ''}` : ''].filter((x) => x !== '');
    return {
      summary: `${record.user} requested a certificate for ${asked.join(' and ')} (CSR ${csrName(record, created.csr) ?? ''}, signer ${created.signerName ?? 'unknown'}).`,
      evidence: { cn: subject.commonName, organizations: subject.organizations, signerName: created.signerName },
    };
  },
};

// kubelet client certificates (signer kube-apiserver-client-kubelet) are requested by a bootstrapping
// kubelet (bootstrap token, any node name of the form system:node:<name>) or by a kubelet renewing its own
// (system:node:<name>, the same name). Anyone else asking, or a kubelet asking for another node, is trying
// to become a node it is not. The control plane is left alone. A request that does not decode is judged
// on the requester alone.
export const csrNodeMismatch: Rule = {
  id: 'csr-node-mismatch',
  title: 'Kubelet certificate requested for another node',
  severity: 'high',
  category: 'csr',
  mitre: ['T1649', 'T1078'],
  evaluate({ record, event }) {
    if (record.resource !== csrResource || record.identityKind === 'controlplane') return undefined;
    const created = createdCsr(record, event);
    if (created?.signerName !== kubeletClientSigner) return undefined;
    const cn = subjectOf(created.csr)?.commonName ?? null;
    let reason: string;
    if (record.identityKind === 'node') {
      if (cn === null || cn === `${nodePrefix}${record.nodeName ?? ''}`) return undefined;
      reason = cn.startsWith(nodePrefix) ? 'cn-is-another-node' : 'cn-is-not-a-node';
    } else if (record.identityKind === 'bootstrap') {
      if (cn === null || cn.startsWith(nodePrefix)) return undefined;
      reason = 'cn-is-not-a-node';
    } else {
      reason = 'requester-not-node-or-bootstrapper';
    }
    return {
      summary:
        reason === 'requester-not-node-or-bootstrapper'
          ? `${record.user}, neither a node nor a bootstrapping kubelet, requested a kubelet client certificate${cn ? ` for ${cn}` : ''}.`
          : `${record.user} requested a kubelet client certificate for ${cn ?? ''}, which is not its own node.`,
      evidence: {
        reason,
        cn,
        signerName: kubeletClientSigner,
        requester: record.user,
        requesterKind: record.identityKind,
        requesterNode: record.nodeName,
      },
    };
  },
};

export const csrRules: Rule[] = [csrClientCertRequested, csrApprovedManually, csrPrivilegedSubject, csrNodeMismatch];
