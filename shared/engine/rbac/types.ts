import { z } from 'zod';

// rbac.authorization.k8s.io/v1 objects as kubectl and audit events carry them. Lenient on purpose
// (`looseObject`, optional or null fields): a snapshot may come from any Kubernetes version, and an
// object that fails a strict schema would silently lose grants. What the API server itself would
// reject (an unknown subject kind, a roleRef to something that is not a role) is kept as a string and
// simply never matches or never grants, as in the RBAC authorizer.

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const stringList = z.array(z.string()).nullish();

export const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).nullish(),
});

export const policyRuleSchema = z.looseObject({
  verbs: stringList,
  apiGroups: stringList,
  resources: stringList,
  resourceNames: stringList,
  nonResourceURLs: stringList,
});
export type PolicyRuleObject = z.infer<typeof policyRuleSchema>;

export const labelSelectorRequirementSchema = z.looseObject({
  key: z.string(),
  operator: z.string(),
  values: stringList,
});

export const labelSelectorSchema = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).nullish(),
  matchExpressions: z.array(labelSelectorRequirementSchema).nullish(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const aggregationRuleSchema = z.looseObject({
  clusterRoleSelectors: z.array(labelSelectorSchema).nullish(),
});

export const roleSchema = z.looseObject({
  kind: z.literal('Role'),
  apiVersion: z.string().optional(),
  metadata: objectMetaSchema,
  rules: z.array(policyRuleSchema).nullish(),
});
export type Role = z.infer<typeof roleSchema>;

export const clusterRoleSchema = z.looseObject({
  kind: z.literal('ClusterRole'),
  apiVersion: z.string().optional(),
  metadata: objectMetaSchema,
  rules: z.array(policyRuleSchema).nullish(),
  aggregationRule: aggregationRuleSchema.nullish(),
});
export type ClusterRole = z.infer<typeof clusterRoleSchema>;

/** The subject kinds the RBAC authorizer knows; any other kind never applies to a request. */
export const subjectKinds = ['User', 'Group', 'ServiceAccount'] as const;
export type SubjectKind = (typeof subjectKinds)[number];

export const subjectSchema = z.looseObject({
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  apiGroup: z.string().optional(),
});
export type Subject = z.infer<typeof subjectSchema>;

/** `kind` is Role or ClusterRole in a valid object; anything else never grants. */
export const roleRefSchema = z.looseObject({
  kind: z.string(),
  name: z.string(),
  apiGroup: z.string().optional(),
});
export type RoleRef = z.infer<typeof roleRefSchema>;

export const roleBindingSchema = z.looseObject({
  kind: z.literal('RoleBinding'),
  apiVersion: z.string().optional(),
  metadata: objectMetaSchema,
  subjects: z.array(subjectSchema).nullish(),
  roleRef: roleRefSchema,
});
export type RoleBinding = z.infer<typeof roleBindingSchema>;

export const clusterRoleBindingSchema = z.looseObject({
  kind: z.literal('ClusterRoleBinding'),
  apiVersion: z.string().optional(),
  metadata: objectMetaSchema,
  subjects: z.array(subjectSchema).nullish(),
  roleRef: roleRefSchema,
});
export type ClusterRoleBinding = z.infer<typeof clusterRoleBindingSchema>;

export const rbacObjectSchema = z.discriminatedUnion('kind', [roleSchema, clusterRoleSchema, roleBindingSchema, clusterRoleBindingSchema]);
export type RbacObject = z.infer<typeof rbacObjectSchema>;
export type RbacKind = RbacObject['kind'];

/**
 * `kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o json` prints a `List` whose
 * items are checked one by one (an item that is not an RBAC object is skipped, not fatal). The
 * per-kind lists (`RoleList`, `ClusterRoleBindingList`, …) of `kubectl get <kind> -o json` are accepted too.
 */
export const listSchema = z.looseObject({
  kind: z.union([z.literal('List'), z.literal('RoleList'), z.literal('ClusterRoleList'), z.literal('RoleBindingList'), z.literal('ClusterRoleBindingList')]),
  apiVersion: z.string().optional(),
  items: z.array(z.unknown()).nullish(),
});
export type List = z.infer<typeof listSchema>;

/** The authorizer attributes of one request (k8s.io/apiserver authorizer.Attributes, as RBAC reads them). */
export interface RbacRequest {
  user: string;
  groups: string[];
  verb: string;
  isResourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  namespace: string;
  path: string;
}

export type RbacVerdict =
  | { verdict: 'allow'; binding: { kind: 'RoleBinding' | 'ClusterRoleBinding'; name: string; namespace?: string }; role: { kind: 'Role' | 'ClusterRole'; name: string } }
  | { verdict: 'deny' }
  | { verdict: null; reason: string }; // the model knows too little to say
