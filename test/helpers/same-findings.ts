// One check for every ingest source: the events it delivers reach the findings the same events get through
// the webhook. Two embedded pipelines: `send` feeds one through the source, the webhook gets the other.
import { expect } from 'vitest';
import type { Finding } from '#shared/contracts';
import { eventList } from '#shared/testing';
import { getJson, postEvents, startPipeline, type Pipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

/** Each finding as `<rule id> <auditID>`, sorted. */
export const findingKeys = async (p: Pipeline): Promise<string[]> =>
  (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items.map((f) => `${f.ruleId} ${f.auditId}`).sort();

/**
 * Runs `send` on a pipeline of its own (npm start's environment plus `env`) and expects its findings to equal
 * the webhook's for `events` (at least `minimum`), but for the webhook's findings of rules in `ignore` (this
 * webhook is plain HTTP on loopback: `plaintext-ingest`, which a source read over TLS does not raise).
 */
export async function expectWebhookFindings(events: readonly unknown[], send: (p: Pipeline) => Promise<void>, minimum: number, { env = {}, ignore = [] }: { env?: Record<string, string>; ignore?: string[] } = {}): Promise<void> {
  const viaSource = await startPipeline({ env });
  const viaWebhook = await startPipeline();
  const webhookKeys = async () => (await findingKeys(viaWebhook)).filter((k) => !ignore.includes(k.split(' ')[0] ?? ''));
  try {
    await send(viaSource);
    expect((await postEvents(viaWebhook, eventList([...events]))).status).toBe(200);
    await waitFor(async () => (await webhookKeys()).length > 0 && (await findingKeys(viaSource)).join() === (await webhookKeys()).join(), { what: 'the same findings', timeoutMs: 30_000 });
    expect((await findingKeys(viaSource)).length).toBeGreaterThanOrEqual(minimum);
  } finally {
    await viaSource.stop();
    await viaWebhook.stop();
  }
}
