import { eventListSchema } from './audit-event.js';
import { isObj, parsedOrText } from './json.js';

// The shapes a webhook body (or a replay document) may take: an EventList, a single Event, or a JSON
// array of Events. Anything else is one item that will fail event validation and go to the DLQ.
export function splitItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const list = eventListSchema.safeParse(body);
  if (list.success) return list.data.items ?? [];
  return [body];
}

// Audit events as other systems hand them over: an Azure Event Hubs batch of AKS diagnostic records
// (`{"records":[…]}`, the Event in `properties.log` as a JSON string or object), a single such record,
// an EventList, or Events. Returns the Event-shaped items; anything else is returned as is, to fail
// event validation with a clear reason.

function fromDiagnosticRecord(r: Record<string, unknown>): unknown {
  const props = r.properties;
  if (!isObj(props) || !('log' in props)) return r;
  return typeof props.log === 'string' ? parsedOrText(props.log) : props.log;
}

export function unwrapDocument(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap((d) => unwrapDocument(d));
  if (!isObj(doc)) return [doc];
  const records: unknown = doc.records;
  if (Array.isArray(records)) return (records as unknown[]).map((r) => (isObj(r) ? fromDiagnosticRecord(r) : r));
  if (doc.kind === 'EventList' && Array.isArray(doc.items)) return doc.items as unknown[];
  if (doc.category === 'kube-audit' || doc.category === 'kube-audit-admin') return [fromDiagnosticRecord(doc)];
  return [doc];
}
