import { RbacModel } from './model.js';

/**
 * One RbacModel per cluster name, created on first use.
 *
 * A snapshot file (`kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o json`, or the
 * same as YAML) applies to EVERY cluster: it becomes the template new cluster models are cloned from,
 * and it replaces the models of clusters already seen (a snapshot is the full picture of its moment, so
 * the audit events applied before it are superseded). Per-cluster snapshots are not supported yet; when
 * they are, a cluster's own snapshot should win over this shared one.
 */
export class RbacRegistry {
  private readonly models = new Map<string, RbacModel>();
  private template = new RbacModel();

  forCluster(cluster: string): RbacModel {
    let model = this.models.get(cluster);
    if (!model) {
      model = this.template.clone();
      this.models.set(cluster, model);
    }
    return model;
  }

  /** Loads a snapshot already parsed from JSON (see the class comment for its scope). */
  loadSnapshot(json: unknown): { loaded: number; skipped: number } {
    const template = new RbacModel();
    const result = template.loadSnapshot(json);
    this.template = template;
    // In place, so callers holding a cluster's model see the snapshot too.
    for (const model of this.models.values()) model.loadSnapshot(json);
    return result;
  }

  clusters(): string[] {
    return [...this.models.keys()];
  }
}
