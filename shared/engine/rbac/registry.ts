import { RbacModel, type RbacChange } from './model.js';
import { auditWriteOf, type RbacAuditEvent } from './updates.js';

/** A change learnt from an audit event, as the analyzer persists it (the state topic) and restores it. */
export interface LearntChange extends RbacChange {
  cluster: string;
  /** the event's time (ms) */
  at: number;
}

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
  /** when the snapshot was taken (its file's modification time): changes learnt before it are superseded */
  snapshotAt = Number.NEGATIVE_INFINITY;
  private learnt: LearntChange[] = [];
  /** whether `learn` keeps what changed for `drain` (a fork's does: the analyzer persists it; replay's does not) */
  private recording = false;

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

  /**
   * A registry with this one's snapshot and models of its own, which keeps what it learns for `drain` (the
   * analyzer keeps one per partition and persists its changes).
   */
  fork(): RbacRegistry {
    const copy = new RbacRegistry();
    copy.template = this.template;
    copy.snapshotAt = this.snapshotAt;
    copy.recording = true;
    return copy;
  }

  /** Lets the cluster's model learn from an event (at `at` ms); a fork keeps what changed for `drain`. */
  learn(cluster: string, event: RbacAuditEvent, at: number): void {
    const write = auditWriteOf(event);
    if (write === null) return;
    const changes = this.forCluster(cluster).applyWrite(write);
    if (this.recording) for (const change of changes) this.learnt.push({ ...change, cluster, at });
  }

  /** The changes learnt since the last drain. */
  drain(): LearntChange[] {
    const out = this.learnt;
    this.learnt = [];
    return out;
  }

  /** Puts a learnt change back (restoring from the state topic), unless the snapshot is newer. */
  restore(change: LearntChange): void {
    if (change.at < this.snapshotAt) return;
    this.forCluster(change.cluster).restoreObject(change.kind, change.namespace, change.name, change.status);
  }

  clusters(): string[] {
    return [...this.models.keys()];
  }
}
