import { field, isSystemIdentity, str } from '../objects.js';
import { defineWorkloadRule, untrusted, wrote } from './helpers.js';

// kube-controller-manager's controllers each run as a kube-system service account (--use-service-account-
// credentials) whose ClusterRole lets it do its job cluster-wide: most end in -controller, a few do not.
const controllerAccount = /-controller$|^(?:generic-garbage-collector|persistent-volume-binder|horizontal-pod-autoscaler|attachdetach-controller|root-ca-cert-publisher|token-cleaner|bootstrap-signer)$/;

/**
 * A pod (or a workload's pod template) in kube-system created to run as a controller's service account:
 * whoever runs it gets that controller's token, and with it rights (create pods anywhere, read every
 * Secret, escalate roles) its creator may not have. The control plane creating its own pods is not reported,
 * nor containers whose images are all trusted (`trustedImages`: a site's own controllers).
 */
export const controllerServiceAccountAssigned = defineWorkloadRule({ id: 'controller-service-account-assigned', title: 'Pod given a controller’s service account', severity: 'high', mitre: ['T1078.001', 'T1098'] }, (w, { record, settings }) => {
  if (record.derivedVerb !== 'create' || w.namespace !== 'kube-system' || isSystemIdentity(record)) return undefined;
  for (const s of w.specs) {
    const account = str(field(s.spec, 'serviceAccountName')) ?? str(field(s.spec, 'serviceAccount'));
    if (account === undefined || !controllerAccount.test(account)) continue;
    if (!s.containers.some((c) => untrusted(c, settings))) continue;
    return {
      summary: `${wrote(record, w)} to run as the controller service account kube-system/${account}.`,
      evidence: { kind: w.kind, namespace: w.namespace, name: w.name, serviceAccount: account, images: s.containers.map((c) => c.image) },
    };
  }
  return undefined;
});
