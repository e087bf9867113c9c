import { csrRule, csrResource, createdCsr, csrName, subjectOf, mastersGroup, controlPlaneCommonNames } from './helpers.js';

export const csrPrivilegedSubject = csrRule({ id: 'csr-privileged-subject', title: 'Certificate requested for a privileged identity', severity: 'critical', mitre: ['T1649', 'T1078', 'T1098.001'] }, ({ record, event }) => {
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
});
