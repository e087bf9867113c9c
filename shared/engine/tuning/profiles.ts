import type { NormalizedRecord } from '#shared/contracts';
import { nameMatches } from '../rules/objects.js';
import type { Rule } from '../rules/types.js';
import type { CustomRuleInput } from './schema.js';

// Distribution profiles: what a distribution's own control plane looks like to the rules, chosen by the
// tuning file's `distribution`. A profile names the platform's identities (its operators and managers,
// which are not "users" to the rules about what users do), the platform's namespaces (whose workloads the
// platform ships privileged by design), the identities it puts in system:masters by construction, and the
// rules it adds (OpenShift's bootstrap superuser kube:admin, which must itself be reported when used).
// Names match exactly, or by a leading or trailing `*`.

export const distributions = ['openshift', 'k3s', 'eks', 'gke', 'aks', 'kubeadm'] as const;
export type Distribution = (typeof distributions)[number];

export interface DistributionProfile {
  /** the platform's own components */
  platformIdentities: readonly string[];
  /** the platform's namespaces */
  platformNamespaces: readonly string[];
  /** identities in system:masters by the platform's design: `system-masters-used` is silent for them */
  breakGlassIdentities: readonly string[];
  /** rules the profile adds */
  customRules: readonly CustomRuleInput[];
}

export const profiles: Record<Distribution, DistributionProfile> = {
  openshift: {
    // the cluster operators and their operands run as service accounts of openshift-* namespaces
    platformIdentities: ['system:serviceaccount:openshift-*', 'system:openshift-*'],
    platformNamespaces: ['openshift', 'openshift-*'],
    breakGlassIdentities: [],
    customRules: [
      {
        id: 'openshift-kubeadmin-used',
        title: 'OpenShift bootstrap superuser kube:admin used',
        severity: 'high',
        category: 'authentication',
        mitre: ['T1078.001'],
        condition: 'record.user == "kube:admin"',
        summary: 'kube:admin, the temporary superuser an OpenShift install creates (its password in the kubeadmin secret), made a request; remove it once an identity provider is set up.',
      },
    ],
  },
  k3s: {
    platformIdentities: ['system:k3s-*', 'system:serviceaccount:kube-system:helm-*', 'system:serviceaccount:kube-system:local-path-provisioner-service-account'],
    platformNamespaces: [],
    // the k3s supervisor process talks to its API server with a system:masters certificate
    breakGlassIdentities: ['system:k3s-supervisor'],
    customRules: [],
  },
  eks: {
    // EKS's own managers (eks:cluster-bootstrap, eks:node-manager, eks:addon-manager, eks:certificate-controller, …)
    platformIdentities: ['eks:*', 'system:serviceaccount:kube-system:eks-*'],
    platformNamespaces: ['amazon-cloudwatch', 'aws-observability', 'amazon-guardduty'],
    breakGlassIdentities: [],
    customRules: [],
  },
  gke: {
    // GKE's managers and its service agent (service-<project number>@container-engine-robot.iam.gserviceaccount.com)
    platformIdentities: ['system:addon-manager', 'system:gcp-controller-manager', 'system:cloud-controller-manager', 'system:clustermetrics', 'system:l7-lb-controller', 'system:managed-certificate-controller', 'system:gke-*', '*@container-engine-robot.iam.gserviceaccount.com'],
    platformNamespaces: ['gke-*', 'gmp-system', 'gmp-public'],
    breakGlassIdentities: [],
    customRules: [],
  },
  aks: {
    // aksService: AKS's resource provider, with a system:masters certificate (masterclient, the admin
    // credential `az aks get-credentials --admin` gives people, stays reported)
    platformIdentities: ['aksService', 'system:serviceaccount:kube-system:aks-*'],
    platformNamespaces: ['gatekeeper-system', 'calico-system', 'tigera-operator', 'aks-command'],
    breakGlassIdentities: ['aksService'],
    customRules: [],
  },
  // kubeadm's control plane is what the defaults know (system:kube-controller-manager, …); its admin
  // credentials (kubernetes-admin, super-admin) are people and stay reported
  kubeadm: { platformIdentities: [], platformNamespaces: [], breakGlassIdentities: [], customRules: [] },
};

/** Rules about what a user does: silent when the platform's own identities do it. */
export const platformIdentityExempt = [
  'system-masters-used',
  'cluster-admin-binding',
  'rbac-sensitive-grant',
  'rbac-wildcard',
  'rbac-escalation-verbs',
  'system-role-modified',
  'admission-control-modified',
  'secrets-enumeration',
  'secret-read-burst',
  'permission-enumeration',
  'credentials-in-configmap',
  'network-policy-removed',
  'nodeport-service',
  'pod-security-weakened',
  'workload-in-system-namespace',
  'quota-or-limits-removed',
  'secret-read-outside-namespace',
  'secret-read-by-person',
  'secret-modified',
  'cluster-config-modified',
  'new-client-for-identity',
  'node-proxy-used',
  'discovery-burst',
  'rbac-then-workload',
  'persistent-workload-created',
  'container-injected',
  'mass-deletion',
  'node-registered-unexpected',
] as const;

/** Rules about a workload's spec: silent for workloads in the platform's namespaces (shipped so by design). */
export const platformNamespaceExempt = [
  'privileged-container',
  'host-namespace',
  'host-port',
  'sensitive-host-mount',
  'dangerous-capability',
  'insecure-security-context',
  'selinux-override',
  'unpinned-image',
  'untrusted-registry',
  'pod-security-violation',
  'pod-security-weakened',
  'workload-in-system-namespace',
] as const;


/** The namespace a request is about: its own, or (a namespace object) the namespace it creates or changes. */
const namespaceOf = (r: NormalizedRecord) => (r.resource === 'namespaces' && (r.apiGroup ?? '') === '' && r.subresource === null ? r.name : r.namespace);

/** The rules with the profile's exemptions: a rule of the lists above is silent when the profile says so. */
export function withProfile(rules: readonly Rule[], p: DistributionProfile): Rule[] {
  return rules.map((rule) => {
    const byIdentity = (platformIdentityExempt as readonly string[]).includes(rule.id) && p.platformIdentities.length > 0;
    const byNamespace = (platformNamespaceExempt as readonly string[]).includes(rule.id) && p.platformNamespaces.length > 0;
    if (!byIdentity && !byNamespace) return rule;
    return {
      ...rule,
      evaluate(ctx) {
        if (byIdentity && nameMatches(p.platformIdentities, ctx.record.user)) return undefined;
        if (byNamespace && nameMatches(p.platformNamespaces, namespaceOf(ctx.record))) return undefined;
        return rule.evaluate(ctx);
      },
    };
  });
}
