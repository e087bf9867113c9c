import { eventListSchema } from '#shared/contracts';

// The shapes a webhook body (or a replay document) may take: an EventList, a single Event, or a JSON
// array of Events. Anything else is one item that will fail event validation and go to the DLQ.
export function splitItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const list = eventListSchema.safeParse(body);
  if (list.success) return list.data.items ?? [];
  return [body];
}
