// The RBAC objects (or whole scopes) whose current content the model does not know, by kind, namespace
// and name; `ALL` stands for every namespace or for "some, unnamed" objects.

import type { RbacKind } from './types.js';

export const ALL = '*';

export class UnknownObjects {
  /** kind → namespace ('' for cluster scope, `*` for every namespace) → names (`*` for "some, unnamed"). */
  private readonly byKind = new Map<RbacKind, Map<string, Set<string>>>();

  /** How many objects (or scopes) are unknown. */
  get size(): number {
    let n = 0;
    for (const byNs of this.byKind.values()) for (const names of byNs.values()) n += names.size;
    return n;
  }

  /** Remembers that the object is unknown. Returns false when it already was. */
  add(kind: RbacKind, namespace: string, name: string): boolean {
    let byNs = this.byKind.get(kind);
    if (!byNs) {
      byNs = new Map();
      this.byKind.set(kind, byNs);
    }
    let names = byNs.get(namespace);
    if (!names) {
      names = new Set();
      byNs.set(namespace, names);
    }
    if (names.has(name)) return false;
    names.add(name);
    return true;
  }

  /** Forgets that the object was unknown. Returns false when it was not. */
  delete(kind: RbacKind, namespace: string, name: string): boolean {
    const names = this.byKind.get(kind)?.get(namespace);
    if (!names?.delete(name)) return false;
    if (names.size === 0) this.byKind.get(kind)?.delete(namespace);
    return true;
  }

  /** This object, or an unnamed one of its scope, or an unnamed one in every namespace, is unknown. */
  has(kind: RbacKind, namespace: string, name: string): boolean {
    const byNs = this.byKind.get(kind);
    if (!byNs) return false;
    const here = byNs.get(namespace);
    return (here?.has(name) ?? false) || (here?.has(ALL) ?? false) || (byNs.get(ALL)?.size ?? 0) > 0;
  }

  /** Some object of this kind in this scope ('' = cluster scope) is unknown. */
  hasIn(kind: RbacKind, namespace: string): boolean {
    const byNs = this.byKind.get(kind);
    if (!byNs || byNs.size === 0) return false;
    if (namespace === '') return true;
    return (byNs.get(namespace)?.size ?? 0) > 0 || (byNs.get(ALL)?.size ?? 0) > 0;
  }

  clear(): void {
    this.byKind.clear();
  }

  /** An independent copy. */
  clone(): UnknownObjects {
    const copy = new UnknownObjects();
    for (const [kind, byNs] of this.byKind) {
      const m = new Map<string, Set<string>>();
      for (const [ns, names] of byNs) m.set(ns, new Set(names));
      copy.byKind.set(kind, m);
    }
    return copy;
  }
}
