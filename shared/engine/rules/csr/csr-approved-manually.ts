import { inApiGroup, field, str, succeeded, writtenObject } from '../objects.js';
import { csrRule, csrResource, csrGroup, csrName, controllerApprovers, approvalVerbs, approvedCondition } from './helpers.js';

export const csrApprovedManually = csrRule({ id: 'csr-approved-manually', title: 'Certificate signing request approved by hand', severity: 'high', mitre: ['T1649', 'T1098.001'] }, ({ record, event }) => {
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
});
