// The model's stored form of a RoleBinding or ClusterRoleBinding, and BindingIndex, which finds the
// bindings naming a user or one of its groups in name order; plus the key helpers both use.

export type BindingKind = 'RoleBinding' | 'ClusterRoleBinding';

export interface BindingEntry {
  readonly kind: BindingKind;
  readonly name: string;
  readonly namespace: string;
  readonly roleRef: { readonly kind: string; readonly name: string };
  /** Index keys: `u:<username>` (Users and ServiceAccounts) and `g:<group>`. */
  readonly keys: readonly string[];
}

export function key(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

function byName(a: BindingEntry, b: BindingEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Bindings of one scope (all ClusterRoleBindings, or one namespace's RoleBindings) by subject key, each list in name order. */
export class BindingIndex {
  readonly byKey = new Map<string, BindingEntry[]>();

  add(b: BindingEntry): void {
    for (const k of b.keys) {
      let list = this.byKey.get(k);
      if (!list) {
        list = [];
        this.byKey.set(k, list);
      }
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (byName(list[mid] as BindingEntry, b) < 0) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, b);
    }
  }

  remove(b: BindingEntry): void {
    for (const k of b.keys) {
      const list = this.byKey.get(k);
      if (!list) continue;
      const i = list.indexOf(b);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byKey.delete(k);
    }
  }

  /** The lists of bindings whose subjects name this user or one of its groups (each list in name order). */
  lists(user: string, groups: readonly string[]): BindingEntry[][] {
    const out: BindingEntry[][] = [];
    const own = this.byKey.get(`u:${user}`);
    if (own) out.push(own);
    for (const g of groups) {
      const list = this.byKey.get(`g:${g}`);
      if (list) out.push(list);
    }
    return out;
  }
}
