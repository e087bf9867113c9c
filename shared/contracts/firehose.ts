import { gunzipSync } from 'node:zlib';
import { isObj, parsedOrText } from './json.js';

// Amazon Data Firehose's HTTP endpoint delivery, as an EKS cluster's audit log reaches it: the control
// plane's `audit` log type goes to CloudWatch Logs (log group /aws/eks/<cluster>/cluster, streams
// kube-apiserver-audit-…), a subscription filter sends it to a Firehose stream, and the stream POSTs
// `{"requestId", "timestamp", "records": [{"data": base64}]}` to the endpoint. Each record's data is a
// CloudWatch Logs subscription payload, gzipped (`{"messageType": "DATA_MESSAGE", "logGroup", "logEvents":
// [{"id", "timestamp", "message"}]}`, the message being one audit Event's JSON line); with the stream's
// decompression on, the payload as it is; with message extraction on too, the messages, one per line.

export interface FirehoseDelivery {
  requestId: string;
  /** each log event's message, parsed when it is JSON (kept as the string otherwise, to be rejected) */
  items: unknown[];
}

const gzipMagic = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** A Firehose delivery request's audit items, or the reason it is no such request. */
export function firehoseItems(body: unknown): FirehoseDelivery | string {
  if (!isObj(body) || typeof body.requestId !== 'string' || !Array.isArray(body.records)) return 'not a Firehose delivery request: expected {"requestId", "records": [{"data"}]}';
  const items: unknown[] = [];
  for (const record of body.records as unknown[]) {
    const data = isObj(record) && typeof record.data === 'string' ? Buffer.from(record.data, 'base64') : undefined;
    if (data === undefined) {
      items.push(record);
      continue;
    }
    let text: string;
    try {
      text = (gzipMagic(data) ? gunzipSync(data, { maxOutputLength: 64 * 1024 * 1024 }) : data).toString('utf8');
    } catch {
      items.push('a record whose data is not valid gzip');
      continue;
    }
    const payload = parsedOrText(text);
    if (isObj(payload) && Array.isArray(payload.logEvents)) {
      // CONTROL_MESSAGE: CloudWatch checking that the destination is reachable; no events
      if (payload.messageType !== 'DATA_MESSAGE') continue;
      for (const e of payload.logEvents as unknown[]) items.push(isObj(e) && typeof e.message === 'string' ? parsedOrText(e.message) : e);
    } else if (typeof payload === 'string') {
      // extracted messages: one Event per line
      for (const line of payload.split('\n')) if (line.trim() !== '') items.push(parsedOrText(line));
    } else {
      items.push(payload);
    }
  }
  return { requestId: body.requestId, items };
}
