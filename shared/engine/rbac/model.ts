// kaudit's model of one cluster's RBAC objects and an evaluator with the semantics of the Kubernetes RBAC
// authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/registry/rbac/validation/rule.go), plus
// ClusterRole aggregation (pkg/controller/clusterroleaggregation). Written for kaudit; no code was copied.
//
// What the evaluator decides, and where it departs from the API server on purpose:
// - ClusterRoleBindings are walked first, then (only for a namespaced request) the RoleBindings of the
//   request's namespace; the first rule that allows wins. The API server walks its informer cache in map
//   order, so when several bindings allow, which one it names is arbitrary; kaudit walks bindings in name
//   order, so its answer is deterministic but may name a different (equally valid) binding.
// - Subjects: User by name, Group by membership in `groups` (nothing is added implicitly: the request's
//   groups must already carry system:authenticated, system:serviceaccounts, …), ServiceAccount as the user
//   `system:serviceaccount:<ns>:<name>`; a ServiceAccount subject without a namespace means the binding's
//   namespace in a RoleBinding and never applies in a ClusterRoleBinding. Other subject kinds never apply.
// - A RoleBinding's Role is looked up in the binding's namespace; a RoleBinding to a ClusterRole grants that
//   ClusterRole's rules in the binding's namespace only. A ClusterRoleBinding to a Role, or a roleRef of any
//   other kind, never grants (the API server cannot resolve it either).
// - An aggregated ClusterRole (aggregationRule present) has as rules the union of the rules of every other
//   known ClusterRole one of its clusterRoleSelectors selects, recursively (the controller keeps nested
//   aggregates up to date), computed from the labels known now, so a ClusterRole added after its aggregator
//   counts. Its own stored `rules` are ignored: the controller overwrites them with exactly that union.
// - Not knowing is not denying. With no allow found, the answer is `{ verdict: null, reason }` instead of
//   deny when: no snapshot was ever loaded; an applicable binding references a role the model does not have
//   (never seen, deleted, or unknown); an aggregated ClusterRole it used could select a ClusterRole whose
//   content is unknown; or a binding that might apply is unknown (patched without a response body,
//   created or updated without one, or possibly removed by a deletecollection). An allow found through
//   known objects is returned even then: RBAC is purely additive.

import { BindingIndex, key, type BindingEntry } from './binding-index.js';
import { bindingEntry, namespacedKinds, roleEntry, type RoleEntry, type RoleKind } from './entries.js';
import { labelSelectorMatches, ruleAllows, type PolicyRule } from './match.js';
import { rbacObjectSchema, type RbacKind, type RbacObject, type RbacRequest, type RbacVerdict } from './types.js';
import { ALL, UnknownObjects } from './unknown.js';
import { auditWriteOf, snapshotItems, type AuditWrite, type RbacAuditEvent } from './updates.js';

export interface RbacModelSize {
  roles: number;
  clusterRoles: number;
  roleBindings: number;
  clusterRoleBindings: number;
  /** Objects (or scopes, `*`) whose current content the model does not know. */
  unknown: number;
  complete: boolean;
}

/** What a change left an object as: stored (the object), unknown, or removed. */
export type RbacStatus = { obj: RbacObject } | { unknown: true } | { removed: true };
export interface RbacChange {
  kind: RbacKind;
  namespace: string;
  name: string;
  status: RbacStatus;
}

type Resolved = { rules: readonly PolicyRule[]; doubt: string | null } | { missing: string };

export class RbacModel {
  private readonly roles = new Map<string, RoleEntry>();
  private readonly clusterRoles = new Map<string, RoleEntry>();
  private readonly roleBindings = new Map<string, BindingEntry>();
  private readonly clusterRoleBindings = new Map<string, BindingEntry>();
  private readonly crbIndex = new BindingIndex();
  private readonly rbIndex = new Map<string, BindingIndex>();
  private unknown = new UnknownObjects();
  private complete = false;
  /** Effective rules of aggregated ClusterRoles; dropped whenever any ClusterRole changes. */
  private aggregated = new Map<string, readonly PolicyRule[]>();

  /** True once a snapshot was loaded: from then on, what the model does not have does not exist. */
  get isComplete(): boolean {
    return this.complete;
  }

  /**
   * Replaces the model with a snapshot: a `List` (kubectl get roles,rolebindings,clusterroles,clusterrolebindings
   * -A -o json), a per-kind list, or an array of objects. Items that are not valid RBAC objects are skipped.
   * The model is then complete: the snapshot is the full picture of that moment.
   */
  loadSnapshot(json: unknown): { loaded: number; skipped: number } {
    const items = snapshotItems(json);
    this.clear();
    let loaded = 0;
    let skipped = 0;
    for (const item of items) {
      const parsed = rbacObjectSchema.safeParse(item);
      if (parsed.success && this.store(parsed.data, '', '') !== null) loaded++;
      else skipped++;
    }
    this.complete = true;
    return { loaded, skipped };
  }

  /**
   * Applies a successful write of an RBAC object seen in an audit event. Returns whether the model changed.
   * Only ResponseComplete (or stage-less) events count, with a 2xx code, or no code but a response body;
   * dry runs are ignored. create/update store the response body when it is the object, else the request
   * body; patch stores the response body only (its request body is a patch document), else the object
   * becomes unknown; delete removes it; deletecollection makes every object of that kind in the namespace
   * (or everywhere, without one) unknown, since its selectors are not in the event.
   */
  applyAuditEvent(event: RbacAuditEvent): boolean {
    const write = auditWriteOf(event);
    return write !== null && this.applyWrite(write).length > 0;
  }

  /** Applies a write (see applyAuditEvent) and says what became of each object it changed. */
  applyWrite(write: AuditWrite): RbacChange[] {
    const change = (namespace: string, name: string, status: RbacStatus): RbacChange => ({ kind: write.kind, namespace, name, status });
    switch (write.op) {
      case 'store': {
        if (write.obj) {
          const at = this.store(write.obj, write.namespace, write.name);
          if (at) return [change(at.namespace, at.name, { obj: write.obj })];
        }
        const { namespace, name } = write.unknown;
        return this.markUnknown(write.kind, namespace, name) ? [change(namespace, name, { unknown: true })] : [];
      }
      case 'remove':
        return this.remove(write.kind, write.namespace, write.name) ? [change(write.namespace, write.name, { removed: true })] : [];
      case 'unknown':
        return this.markUnknown(write.kind, write.namespace, write.name) ? [change(write.namespace, write.name, { unknown: true })] : [];
      case 'unknown-collection':
        return this.markCollectionUnknown(write.kind, write.namespace).map((o) => change(o.namespace, o.name, { unknown: true }));
    }
  }

  /** Puts an object back as a change once left it (restoring learnt state): stored, unknown or removed. */
  restoreObject(kind: RbacKind, namespace: string, name: string, status: RbacStatus): void {
    if ('obj' in status) this.store(status.obj, namespace, name);
    else if ('unknown' in status) this.markUnknown(kind, namespace, name);
    else this.remove(kind, namespace, name);
  }

  evaluate(req: RbacRequest): RbacVerdict {
    const doubts = new Set<string>();
    if (!this.complete) doubts.add('no RBAC snapshot loaded, so the model only knows the objects seen in audit events');

    const found = this.walk(this.crbIndex, req, doubts);
    if (found) return found;
    if (this.unknown.hasIn('ClusterRoleBinding', '')) doubts.add('some ClusterRoleBindings are unknown to the model');

    if (req.namespace !== '') {
      const index = this.rbIndex.get(req.namespace);
      if (index) {
        const inNamespace = this.walk(index, req, doubts);
        if (inNamespace) return inNamespace;
      }
      if (this.unknown.hasIn('RoleBinding', req.namespace)) doubts.add(`some RoleBindings in namespace "${req.namespace}" are unknown to the model`);
    }

    if (doubts.size > 0) return { verdict: null, reason: [...doubts].join('; ') };
    return { verdict: 'deny' };
  }

  size(): RbacModelSize {
    return {
      roles: this.roles.size,
      clusterRoles: this.clusterRoles.size,
      roleBindings: this.roleBindings.size,
      clusterRoleBindings: this.clusterRoleBindings.size,
      unknown: this.unknown.size,
      complete: this.complete,
    };
  }

  /** An independent copy (stored entries are immutable and shared). */
  clone(): RbacModel {
    const copy = new RbacModel();
    for (const [k, v] of this.roles) copy.roles.set(k, v);
    for (const [k, v] of this.clusterRoles) copy.clusterRoles.set(k, v);
    for (const b of this.roleBindings.values()) copy.putBinding(b);
    for (const b of this.clusterRoleBindings.values()) copy.putBinding(b);
    copy.unknown = this.unknown.clone();
    copy.complete = this.complete;
    return copy;
  }

  // ---- evaluation ----

  /**
   * Visits the bindings that apply to the request's user, each once, in name order (a k-way merge of the
   * per-subject lists, so the cost is the applicable bindings, not all of them), until one allows.
   */
  private walk(index: BindingIndex, req: RbacRequest, doubts: Set<string>): RbacVerdict | null {
    const lists = index.lists(req.user, req.groups);
    if (lists.length === 0) return null;
    if (lists.length === 1) {
      for (const b of lists[0] as BindingEntry[]) {
        const v = this.visit(b, req, doubts);
        if (v) return v;
      }
      return null;
    }
    const pos = new Array<number>(lists.length).fill(0);
    let last: BindingEntry | undefined;
    for (;;) {
      let best = -1;
      let next: BindingEntry | undefined;
      for (let k = 0; k < lists.length; k++) {
        const b = (lists[k] as BindingEntry[])[pos[k] as number];
        if (b !== undefined && (next === undefined || b.name < next.name)) {
          best = k;
          next = b;
        }
      }
      if (next === undefined) return null;
      pos[best] = (pos[best] as number) + 1;
      if (next === last) continue; // the same binding through another of its subjects
      last = next;
      const v = this.visit(next, req, doubts);
      if (v) return v;
    }
  }

  private visit(b: BindingEntry, req: RbacRequest, doubts: Set<string>): RbacVerdict | null {
    const resolved = this.resolve(b);
    if ('missing' in resolved) {
      doubts.add(resolved.missing);
      return null;
    }
    for (const rule of resolved.rules) {
      if (ruleAllows(req, rule)) {
        const role = { kind: b.roleRef.kind as RoleKind, name: b.roleRef.name };
        return b.kind === 'ClusterRoleBinding'
          ? { verdict: 'allow', binding: { kind: b.kind, name: b.name }, role }
          : { verdict: 'allow', binding: { kind: b.kind, name: b.name, namespace: b.namespace }, role };
      }
    }
    if (resolved.doubt !== null) doubts.add(resolved.doubt);
    return null;
  }

  private describe(b: BindingEntry): string {
    return b.kind === 'RoleBinding' ? `RoleBinding "${b.name}/${b.namespace}"` : `ClusterRoleBinding "${b.name}"`;
  }

  private resolve(b: BindingEntry): Resolved {
    const { kind, name } = b.roleRef;
    if (kind === 'Role') {
      if (b.kind === 'ClusterRoleBinding') return { rules: [], doubt: null }; // unresolvable in Kubernetes too
      const role = this.roles.get(key(b.namespace, name));
      if (role) return { rules: role.rules, doubt: null };
      const state = this.unknown.has('Role', b.namespace, name) ? 'whose content is unknown' : 'which the model does not know';
      return { missing: `${this.describe(b)} references Role "${name}" in namespace "${b.namespace}" ${state}` };
    }
    if (kind === 'ClusterRole') {
      const role = this.clusterRoles.get(name);
      if (!role) {
        const state = this.unknown.has('ClusterRole', '', name) ? 'whose content is unknown' : 'which the model does not know';
        return { missing: `${this.describe(b)} references ClusterRole "${name}" ${state}` };
      }
      if (role.selectors === null) return { rules: role.rules, doubt: null };
      const doubt = this.unknown.hasIn('ClusterRole', '') ? `aggregated ClusterRole "${name}" may select ClusterRoles whose content is unknown` : null;
      return { rules: this.aggregatedRules(role), doubt };
    }
    return { rules: [], doubt: null }; // unsupported roleRef kind: never grants
  }

  /**
   * The controller's fixed point: an aggregated ClusterRole holds the rules of every other ClusterRole its
   * selectors pick, and a picked aggregated ClusterRole holds its own picks' rules in turn. So the result is
   * the rules of every non-aggregated ClusterRole reachable through selections (cycles included, once).
   */
  private aggregatedRules(role: RoleEntry): readonly PolicyRule[] {
    const cached = this.aggregated.get(role.name);
    if (cached) return cached;
    const rules: PolicyRule[] = [];
    const seen = new Set<string>([role.name]);
    const queue: RoleEntry[] = [role];
    for (let i = 0; i < queue.length; i++) {
      const aggregator = queue[i] as RoleEntry;
      for (const selector of aggregator.selectors ?? []) {
        for (const other of this.clusterRoles.values()) {
          if (seen.has(other.name) || !labelSelectorMatches(selector, other.labels)) continue;
          seen.add(other.name);
          if (other.selectors === null) rules.push(...other.rules);
          else queue.push(other);
        }
      }
    }
    this.aggregated.set(role.name, rules);
    return rules;
  }

  // ---- state ----

  private clear(): void {
    this.roles.clear();
    this.clusterRoles.clear();
    this.roleBindings.clear();
    this.clusterRoleBindings.clear();
    this.crbIndex.byKey.clear();
    this.rbIndex.clear();
    this.unknown.clear();
    this.aggregated = new Map();
    this.complete = false;
  }

  /**
   * Stores an object (replacing any earlier version). Name and namespace fall back to the event's objectRef.
   * Returns where it was stored, or null when it has no name (or no namespace for a namespaced kind).
   */
  private store(obj: RbacObject, fallbackNamespace: string, fallbackName: string): { namespace: string; name: string } | null {
    const name = obj.metadata.name ?? fallbackName;
    const namespaced = namespacedKinds.has(obj.kind);
    const namespace = namespaced ? (obj.metadata.namespace ?? fallbackNamespace) : '';
    if (name === '' || (namespaced && namespace === '')) return null;
    this.remove(obj.kind, namespace, name);
    switch (obj.kind) {
      case 'Role':
      case 'ClusterRole': {
        const entry = roleEntry(obj, namespace, name);
        if (obj.kind === 'Role') this.roles.set(key(namespace, name), entry);
        else {
          this.clusterRoles.set(name, entry);
          this.aggregated = new Map();
        }
        break;
      }
      case 'RoleBinding':
      case 'ClusterRoleBinding':
        this.putBinding(bindingEntry(obj, namespace, name));
        break;
    }
    return { namespace, name };
  }

  private putBinding(b: BindingEntry): void {
    if (b.kind === 'ClusterRoleBinding') {
      this.clusterRoleBindings.set(b.name, b);
      this.crbIndex.add(b);
      return;
    }
    this.roleBindings.set(key(b.namespace, b.name), b);
    let index = this.rbIndex.get(b.namespace);
    if (!index) {
      index = new BindingIndex();
      this.rbIndex.set(b.namespace, index);
    }
    index.add(b);
  }

  /** Forgets an object (and that it was unknown). Returns whether anything changed. */
  private remove(kind: RbacKind, namespace: string, name: string): boolean {
    const k = key(namespace, name);
    let changed = this.unknown.delete(kind, namespace, name);
    if (changed && kind === 'ClusterRole') this.aggregated = new Map();
    switch (kind) {
      case 'Role':
        changed = this.roles.delete(k) || changed;
        break;
      case 'ClusterRole':
        if (this.clusterRoles.delete(k)) {
          this.aggregated = new Map();
          changed = true;
        }
        break;
      case 'ClusterRoleBinding': {
        const b = this.clusterRoleBindings.get(k);
        if (b) {
          this.clusterRoleBindings.delete(k);
          this.crbIndex.remove(b);
          changed = true;
        }
        break;
      }
      case 'RoleBinding': {
        const b = this.roleBindings.get(k);
        if (b) {
          this.roleBindings.delete(k);
          const index = this.rbIndex.get(namespace);
          if (index) {
            index.remove(b);
            if (index.byKey.size === 0) this.rbIndex.delete(namespace);
          }
          changed = true;
        }
        break;
      }
    }
    return changed;
  }

  /** The object's content is no longer known: drop the stored version and remember the doubt. */
  private markUnknown(kind: RbacKind, namespace: string, name: string): boolean {
    if (name !== ALL && namespace !== ALL) this.remove(kind, namespace, name);
    if (kind === 'ClusterRole') this.aggregated = new Map();
    return this.unknown.add(kind, namespace, name);
  }

  /** Every stored object of the kind in the namespace ('' or ALL: everywhere) becomes unknown; returns those. */
  private markCollectionUnknown(kind: RbacKind, namespace: string): { namespace: string; name: string }[] {
    const stored: { namespace: string; name: string }[] = [];
    const collect = (m: Map<string, RoleEntry> | Map<string, BindingEntry>): void => {
      for (const e of m.values()) if (namespace === '' || namespace === ALL || e.namespace === namespace) stored.push({ namespace: e.namespace, name: e.name });
    };
    if (kind === 'Role') collect(this.roles);
    else if (kind === 'ClusterRole') collect(this.clusterRoles);
    else if (kind === 'RoleBinding') collect(this.roleBindings);
    else collect(this.clusterRoleBindings);
    return stored.filter((s) => this.markUnknown(kind, s.namespace, s.name));
  }
}
