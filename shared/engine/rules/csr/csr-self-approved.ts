import { csrRule } from './helpers.js';

export const csrSelfApproved = csrRule({ id: 'csr-self-approved', title: 'CSR approved by its requester', severity: 'critical', mitre: ['T1649'], scope: 'cluster' }, ({ record, state }) => {
  if (record.resource !== 'certificatesigningrequests' || record.name === null) return undefined;
  if (record.responseCode !== null && record.responseCode >= 400) return undefined;
  const key = `csr-self-approved|${record.cluster}|${record.name}`;
  if (record.derivedVerb === 'create' && record.subresource === null) {
    state.set(key, record.user);
    return undefined;
  }
  if (record.subresource !== 'approval' || !(record.derivedVerb === 'update' || record.derivedVerb === 'patch')) return undefined;
  const creator = state.get<string>(key);
  if (creator === undefined || creator !== record.user) return undefined;
  return {
    summary: `${record.user} approved certificate signing request ${record.name}, which it created itself.`,
    evidence: { csr: record.name, requester: creator, approver: record.user },
  };
});
