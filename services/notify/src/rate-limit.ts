// An output's rate limit (`maxPerMinute`): a token bucket of a minute's worth, refilled continuously. A
// delivery waits for its token; waiting holds the batch back (and so the consumer group), never drops it.

export interface RateLimit {
  /** resolves once one more notification may go (at once while the bucket has tokens) */
  take(signal: AbortSignal): Promise<void>;
}

export function rateLimit(perMinute: number | undefined, now: () => number = Date.now): RateLimit {
  if (perMinute === undefined) return { take: () => Promise.resolve() };
  const perMs = perMinute / 60_000;
  let tokens = perMinute;
  let at = now();
  return {
    async take(signal) {
      for (;;) {
        const t = now();
        tokens = Math.min(perMinute, tokens + (t - at) * perMs);
        at = t;
        if (tokens >= 1) {
          tokens -= 1;
          return;
        }
        const wait = Math.ceil((1 - tokens) / perMs);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, wait);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('stopping'));
          }, { once: true });
        });
      }
    },
  };
}
