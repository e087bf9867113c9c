import { errorMessage } from '#shared/errors';

// Delivery of one notification to one output: retried with exponential backoff and full jitter (a
// Retry-After the output gives is waited at least), until it is delivered, the output refuses it for good
// (a 4xx other than 408 and 429), or the retry time is spent. The caller parks what is not delivered.

export type Attempt = { ok: true } | { ok: false; retriable: boolean; reason: string; retryAfterMs?: number | undefined };
export type Delivery = { delivered: true; attempts: number } | { delivered: false; attempts: number; reason: string };

export interface RetryPolicy {
  retryForMs: number;
  firstBackoffMs: number;
  maxBackoffMs: number;
}

/** Thrown when shutdown interrupts the retries: the notification is neither delivered nor parked. */
export class DeliveryInterrupted extends Error {}

/** Waits `ms`; rejects with DeliveryInterrupted as soon as `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new DeliveryInterrupted('stopping'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DeliveryInterrupted('stopping'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export async function deliver(attempt: () => Promise<Attempt>, policy: RetryPolicy, { signal, onRetry, random = Math.random }: { signal: AbortSignal; onRetry?: (reason: string, waitMs: number) => void; random?: () => number }): Promise<Delivery> {
  const started = Date.now();
  for (let n = 0; ; n++) {
    if (signal.aborted) throw new DeliveryInterrupted('stopping');
    const a = await attempt();
    if (a.ok) return { delivered: true, attempts: n + 1 };
    if (!a.retriable) return { delivered: false, attempts: n + 1, reason: a.reason };
    const backoff = random() * Math.min(policy.maxBackoffMs, policy.firstBackoffMs * 2 ** n);
    const wait = Math.max(backoff, a.retryAfterMs ?? 0);
    if (Date.now() - started + wait > policy.retryForMs) return { delivered: false, attempts: n + 1, reason: `still failing after ${String(Math.round((Date.now() - started) / 1000))} s: ${a.reason}` };
    onRetry?.(a.reason, wait);
    await sleep(wait, signal);
  }
}

/**
 * POSTs `body` as JSON and reads the answer as an attempt; a failure to connect, reset or time out is a
 * retriable one. `hide` is left out of the reason (a URL that is itself a credential).
 */
export async function postJson(url: string, body: unknown, { headers = {}, timeoutSeconds, hide }: { headers?: Record<string, string>; timeoutSeconds: number; hide?: string }): Promise<Attempt> {
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    return httpAttempt(r.status, r.headers.get('retry-after'), r.ok ? '' : await r.text());
  } catch (err) {
    const reason = errorMessage(err);
    return { ok: false, retriable: true, reason: hide === undefined ? reason : reason.replaceAll(hide, '<url>') };
  }
}

/** What an HTTP answer means for a delivery. */
export function httpAttempt(status: number, retryAfter: string | null, body: string): Attempt {
  if (status >= 200 && status < 300) return { ok: true };
  const reason = `HTTP ${String(status)}${body === '' ? '' : `: ${body.slice(0, 300)}`}`;
  const retriable = status === 408 || status === 429 || status >= 500;
  let retryAfterMs: number | undefined;
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    const at = Date.parse(retryAfter);
    retryAfterMs = Number.isFinite(seconds) ? seconds * 1000 : Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
  }
  return { ok: false, retriable, reason, retryAfterMs };
}
