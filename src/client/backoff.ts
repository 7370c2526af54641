/**
 * Reconnect delays for when the browser has given up on a stream (EventSource readyState
 * CLOSED: a non-200 answer, a wrong content type) or a stream went silent. Pure.
 */

/** Backoff settings; the defaults suit a plant floor: quick first retry, at most 30 s apart. */
export interface BackoffOptions {
  /** First delay before jitter, in ms (default 1000). */
  baseMs?: number;
  /** Largest delay before jitter, in ms (default 30 000). */
  maxMs?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): `base × 2^attempt` capped
 * at `max`, never below the server's `retry:` (`serverRetryMs`, when the stream told us),
 * then "equal jitter": a random point in the upper half, so a fleet of screens spreads out
 * but no screen retries at once in a tight loop.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  serverRetryMs: number | null = null,
  random: () => number = Math.random,
): number {
  const maxMs = options.maxMs ?? 30_000;
  const baseMs = Math.max(options.baseMs ?? 1000, serverRetryMs ?? 0);
  const capMs = Math.min(Math.max(maxMs, baseMs), baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capMs / 2 + (capMs / 2) * random());
}
