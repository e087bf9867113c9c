// Errors carry a code and whether retrying can help. Per-message failures are values (see engine
// results), exceptions mean infrastructure failure; only retriable ones are retried.
export const errorCodes = {
  busUnavailable: 'BUS_UNAVAILABLE',
  busClosed: 'BUS_CLOSED',
  config: 'CONFIG_INVALID',
  storage: 'STORAGE_FAILURE',
  /** the database refused the rows themselves (a value its columns cannot hold): retrying cannot help */
  storageRefused: 'STORAGE_REFUSED',
  badRequest: 'BAD_REQUEST',
  /** a service's worker thread stopped or failed a request: the batch is retried (on a new thread) */
  thread: 'THREAD_FAILED',
} as const;
export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

export class KauditError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KauditError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof KauditError && err.retriable;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Capped exponential backoff with full jitter, for retriable errors only. */
export async function retry<T>(
  fn: () => Promise<T>,
  { retries = 5, initialMs = 100, maxMs = 5_000 }: { retries?: number; initialMs?: number; maxMs?: number } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetriable(err) || attempt >= retries) throw err;
      const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
      await new Promise((r) => setTimeout(r, Math.random() * ceiling));
    }
  }
}
