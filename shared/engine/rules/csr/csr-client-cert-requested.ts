import { isSystemIdentity } from '../objects.js';
import { csrRule, csrResource, clientSigner, createdCsr, csrName, subjectOf } from './helpers.js';

export const csrClientCertRequested = csrRule({ id: 'csr-client-cert-requested', title: 'Client certificate requested for the API server', severity: 'high', mitre: ['T1649', 'T1098.001'] }, ({ record, event }) => {
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
});
