/**
 * When and where a replaced stream goes next: after a backoff delay (backoff.ts) that grows
 * with each failure in a row and never undercuts the gateway's `retry_ms`, on the next of
 * the stream's URLs (replicas). One timer at a time.
 */
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import type { Clock } from './browser-env.js';

/** The retry state of one stream. */
export class ReconnectSchedule {
  private failures = 0;
  private index = 0;
  private serverRetryMs: number | null = null;
  private timer: unknown = null;

  constructor(
    private readonly urls: readonly string[],
    private readonly clock: Clock,
    private readonly backoff: BackoffOptions | undefined,
    private readonly random: (() => number) | undefined,
  ) {}

  /** The URL the next stream opens. */
  get url(): string {
    return this.urls[this.index] as string;
  }

  /** A stream connected (or the page asked to retry at once): delays start over. */
  reset(retryMs?: number): void {
    this.failures = 0;
    if (typeof retryMs === 'number') this.serverRetryMs = retryMs;
  }

  /** Runs `open` after the next delay, on the next URL. */
  later(open: () => void): void {
    this.cancel();
    const delayMs = backoffDelayMs(this.failures, this.backoff, this.serverRetryMs, this.random);
    this.failures += 1;
    this.index = (this.index + 1) % this.urls.length;
    this.timer = this.clock.setTimeout(open, delayMs);
  }

  cancel(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
