// The model's stored form of a Role or ClusterRole, and how a parsed RBAC object becomes a stored entry
// (its rules compiled, its subjects turned into binding index keys).

import { serviceAccountUser, type BindingEntry } from './binding-index.js';
import { toRule, type PolicyRule } from './match.js';
import type { ClusterRole, ClusterRoleBinding, LabelSelector, RbacKind, Role, RoleBinding } from './types.js';

export type RoleKind = 'Role' | 'ClusterRole';

export interface RoleEntry {
  readonly kind: RoleKind;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly PolicyRule[];
  /** ClusterRole aggregationRule.clusterRoleSelectors; null when the role is not aggregated. */
  readonly selectors: readonly LabelSelector[] | null;
}

export const namespacedKinds: ReadonlySet<RbacKind> = new Set<RbacKind>(['Role', 'RoleBinding']);
const emptyLabels: Readonly<Record<string, string>> = Object.freeze({});

export function roleEntry(obj: Role | ClusterRole, namespace: string, name: string): RoleEntry {
  return {
    kind: obj.kind,
    name,
    namespace,
    labels: obj.metadata.labels ?? emptyLabels,
    rules: (obj.rules ?? []).map(toRule),
    selectors: obj.kind === 'ClusterRole' && obj.aggregationRule ? (obj.aggregationRule.clusterRoleSelectors ?? []) : null,
  };
}

/** Index keys for User and Group subjects, and for ServiceAccounts (their namespace defaulting to the binding's); other kinds get none. */
export function bindingEntry(obj: RoleBinding | ClusterRoleBinding, namespace: string, name: string): BindingEntry {
  const keys = new Set<string>();
  for (const s of obj.subjects ?? []) {
    if (s.kind === 'User') keys.add(`u:${s.name}`);
    else if (s.kind === 'Group') keys.add(`g:${s.name}`);
    else if (s.kind === 'ServiceAccount') {
      const saNamespace = s.namespace !== undefined && s.namespace !== '' ? s.namespace : namespace;
      if (saNamespace !== '') keys.add(`u:${serviceAccountUser(saNamespace, s.name)}`);
    }
  }
  return { kind: obj.kind, name, namespace, roleRef: { kind: obj.roleRef.kind, name: obj.roleRef.name }, keys: [...keys] };
}
