// Waits on a condition, never on a fixed sleep.
import { inspect } from 'node:util';

const TIMED_OUT: unique symbol = Symbol('timed out');

export interface WaitForOptions {
  /** give up after this long (default 30 s) */
  timeoutMs?: number;
  /** pause between two polls (default 100 ms) */
  intervalMs?: number;
  /** what is being waited for, used in the timeout error */
  what: string;
}

/**
 * Polls `fn` until it returns something other than `undefined` or `false`, and returns that.
 * A thrown error counts as "not yet" (like vi.waitFor); the last one is reported on timeout.
 * A single call that hangs is cut off at the deadline too.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 100, what }: WaitForOptions,
): Promise<T> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown;
  let polls = 0;
  for (;;) {
    polls++;
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => { resolve(TIMED_OUT); }, Math.max(deadline - Date.now(), 0));
    });
    try {
      // Promise.race subscribes to fn()'s promise, so a late rejection after the cut-off is handled
      const result = await Promise.race([Promise.resolve().then(fn), cutOff]);
      if (result === TIMED_OUT) {
        lastError = new Error('the last poll did not complete before the deadline');
      } else if (result !== undefined && result !== false) {
        return result;
      } else {
        lastError = undefined;
      }
    } catch (err) {
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)));
  }
  const detail =
    lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)}`;
  throw new Error(`timed out after ${Date.now() - started} ms (${polls} polls) waiting for ${what}${detail}`, {
    cause: lastError,
  });
}
