/** How long to wait before trying again: the server's `Retry-After`, else a capped doubling. Pure. */

/** Longest wait honoured from a `Retry-After` header, in milliseconds (30 s). */
export const MAX_RETRY_AFTER_MS = 30_000;
/** First wait without a `Retry-After`, in milliseconds; it doubles per attempt up to 5 s. */
export const BASE_RETRY_MS = 250;
const MAX_BACKOFF_MS = 5_000;

/**
 * The wait before attempt `attempt + 1` (0 after the first failure): `Retry-After` in whole
 * seconds when the server sent one (capped at 30 s), else 250 ms doubling to at most 5 s.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null): number {
  if (retryAfter !== null && /^\s*\d+\s*$/.test(retryAfter)) {
    return Math.min(Number(retryAfter) * 1000, MAX_RETRY_AFTER_MS);
  }
  return Math.min(BASE_RETRY_MS * 2 ** attempt, MAX_BACKOFF_MS);
}
