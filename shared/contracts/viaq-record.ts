import { convertedFromAnnotation } from './gke-audit-log.js';
import { isObj } from './json.js';

// OpenShift Logging's ViaQ data model: the collector (Vector, or fluentd before it) merges the audit Event's
// fields into its log record, moves the Event's `level` to `k8s_audit_level` (kube-apiserver) or
// `openshift_audit_level` (openshift-apiserver, oauth-apiserver) and sets `level` to the log level
// (`default`, `info`), then adds its own fields (`@timestamp`, `hostname`, `log_type`, `openshift`, …).
// The Event is the record with its audit level put back and the collector's fields taken out.

export const viaqConverted = 'openshift-viaq';

/** The fields the collector adds; none is an audit Event field. */
const collectorFields = ['k8s_audit_level', 'openshift_audit_level', '@timestamp', 'hostname', 'log_type', 'log_source', 'openshift', 'tag', 'viaq_msg_id', 'viaq_index_name', 'pipeline_metadata', 'file'];

/** A ViaQ record of an audit Event: a request's fields, and its audit level under the collector's name. */
export function isViaqRecord(item: unknown): item is Record<string, unknown> {
  return isObj(item) && ('auditID' in item || 'requestURI' in item || 'verb' in item) && (typeof item.k8s_audit_level === 'string' || typeof item.openshift_audit_level === 'string');
}

/** The audit Event a ViaQ record holds, marked `kaudit.io/converted-from: openshift-viaq`. */
export function viaqAuditEvent(record: Record<string, unknown>): Record<string, unknown> {
  const level = typeof record.k8s_audit_level === 'string' ? record.k8s_audit_level : record.openshift_audit_level;
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!collectorFields.includes(k)) event[k] = v;
  event.level = level;
  event.annotations = { ...(isObj(record.annotations) ? record.annotations : {}), [convertedFromAnnotation]: viaqConverted };
  return event;
}
