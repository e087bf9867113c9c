import { isObj, parsedOrText } from './json.js';

// OpenTelemetry logs as the OTLP/HTTP JSON encoding carries them (`POST /v1/logs`, ExportLogsServiceRequest:
// resourceLogs[].scopeLogs[].logRecords[]), as the collector's `otlphttp` exporter with `encoding: json` and
// OpenShift Logging 6 send them. An audit Event is a record's body: its JSON line as a string (a filelog
// receiver reading the audit log), or the parsed map (after a JSON parser operator).

/** An OTLP AnyValue as the value it stands for (`intValue` is a decimal string in the JSON encoding). */
export function fromAnyValue(v: unknown): unknown {
  if (!isObj(v)) return v;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue;
  }
  if ('doubleValue' in v) return v.doubleValue;
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return isObj(v.arrayValue) && Array.isArray(v.arrayValue.values) ? v.arrayValue.values.map(fromAnyValue) : [];
  if ('kvlistValue' in v) {
    const out: Record<string, unknown> = {};
    const values = isObj(v.kvlistValue) && Array.isArray(v.kvlistValue.values) ? (v.kvlistValue.values as unknown[]) : [];
    for (const kv of values) if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = fromAnyValue(kv.value);
    return out;
  }
  return undefined;
}

/** A log record's body as an event item: a string body is the event's JSON text. */
function eventOfBody(body: unknown): unknown {
  const value = fromAnyValue(body);
  return typeof value === 'string' ? parsedOrText(value) : value;
}

/** The log records' bodies of an ExportLogsServiceRequest, in order; undefined when the value is none. */
export function otlpLogItems(request: unknown): unknown[] | undefined {
  if (!isObj(request) || !Array.isArray(request.resourceLogs)) return undefined;
  const items: unknown[] = [];
  for (const rl of request.resourceLogs as unknown[]) {
    const scopes = isObj(rl) && Array.isArray(rl.scopeLogs) ? (rl.scopeLogs as unknown[]) : [];
    for (const sl of scopes) {
      const records = isObj(sl) && Array.isArray(sl.logRecords) ? (sl.logRecords as unknown[]) : [];
      for (const r of records) items.push(isObj(r) ? eventOfBody(r.body) : r);
    }
  }
  return items;
}
