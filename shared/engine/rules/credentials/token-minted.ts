import { inApiGroup, succeeded } from '../objects.js';
import { credentialsRule } from './helpers.js';

// TokenRequest (`create serviceaccounts/<name>/token`): kubelets mint tokens for the pods on their node and
// control-plane components for their controllers; anyone else minting a token gets a credential of that
// service account they can carry away.
export const tokenMinted = credentialsRule({ id: 'token-minted', title: 'Service account token minted', severity: 'medium', mitre: ['T1528', 'T1098.001'] }, ({ record }) => {
  if (record.subresource !== 'token' || record.resource !== 'serviceaccounts' || record.derivedVerb !== 'create') return undefined;
  if (record.identityKind === 'controlplane' || record.identityKind === 'node') return undefined;
  if (!succeeded(record) || !inApiGroup(record, '')) return undefined;
  return {
    summary: `${record.user} minted a token for service account ${record.namespace ?? ''}/${record.name ?? ''}.`,
    evidence: {
      serviceAccount: { namespace: record.namespace, name: record.name },
      user: record.user,
      identityKind: record.identityKind,
      clientIp: record.clientIp,
    },
  };
});
