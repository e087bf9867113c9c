import { csrRule, csrResource, kubeletClientSigner, nodePrefix, createdCsr, subjectOf } from './helpers.js';

// kubelet client certificates (signer kube-apiserver-client-kubelet) are requested by a bootstrapping
// kubelet (bootstrap token, any node name of the form system:node:<name>) or by a kubelet renewing its own
// (system:node:<name>, the same name). Anyone else asking, or a kubelet asking for another node, is trying
// to become a node it is not. The control plane is left alone. A request that does not decode is judged
// on the requester alone.
export const csrNodeMismatch = csrRule({ id: 'csr-node-mismatch', title: 'Kubelet certificate requested for another node', severity: 'high', mitre: ['T1649', 'T1078'] }, ({ record, event }) => {
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
});
