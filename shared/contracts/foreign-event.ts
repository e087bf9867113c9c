import { gkeAuditEvent, gkeConverted, isCloudLogEntry } from './gke-audit-log.js';
import { isViaqRecord, viaqAuditEvent, viaqConverted } from './viaq-record.js';

// Items of another format that stand for an audit Event, as ingest's routes and replay meet them: GKE's
// Cloud Logging entries and OpenShift Logging's ViaQ records. Their Event is what is checked, analysed and
// stored, marked with `kaudit.io/converted-from: <from>`.

export type ForeignConversion = { ok: true; event: Record<string, unknown>; from: string } | { ok: false; reason: string };

/** The Event an item of another format stands for; undefined when the item is of none of them. */
export function foreignEvent(item: unknown): ForeignConversion | undefined {
  if (isCloudLogEntry(item)) {
    const c = gkeAuditEvent(item);
    return c.ok ? { ...c, from: gkeConverted } : c;
  }
  if (isViaqRecord(item)) return { ok: true, event: viaqAuditEvent(item), from: viaqConverted };
  return undefined;
}
