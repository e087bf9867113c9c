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
 * the webhook's for `events` (at least `minimum`), but for the findings of rules in `ignore` (these pipelines
 * are plain HTTP on loopback: `plaintext-ingest`, which a source read over TLS does not raise).
 */
export async function expectWebhookFindings(events: readonly unknown[], send: (p: Pipeline) => Promise<void>, minimum: number, { env = {}, ignore = [] }: { env?: Record<string, string>; ignore?: string[] } = {}): Promise<void> {
  const viaSource = await startPipeline({ env });
  const viaWebhook = await startPipeline();
  const kept = (keys: string[]) => keys.filter((k) => !ignore.includes(k.split(' ')[0] ?? ''));
  const webhookKeys = async () => kept(await findingKeys(viaWebhook));
  const sourceKeys = async () => kept(await findingKeys(viaSource));
  try {
    await send(viaSource);
    expect((await postEvents(viaWebhook, eventList([...events]))).status).toBe(200);
    const same = async () => (await webhookKeys()).length > 0 && (await sourceKeys()).join() === (await webhookKeys()).join();
    // when they never agree, the difference is what fails
    await waitFor(same, { what: 'the same findings', timeoutMs: 30_000 }).catch(() => undefined);
    expect(await sourceKeys()).toEqual(await webhookKeys());
    expect((await sourceKeys()).length).toBeGreaterThanOrEqual(minimum);
  } finally {
    await viaSource.stop();
    await viaWebhook.stop();
  }
}
