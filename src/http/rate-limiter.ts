/**
 * `PUBLISH_RATE_PER_S`: a token bucket per key (a token's subject, or the client address
 * without auth), refilled at the rate and holding one second's worth, so a short burst
 * passes and a flood is answered 429 with `Retry-After`. Time comes in as an argument.
 */

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Buckets kept before idle (full) ones are forgotten. */
const PRUNE_ABOVE = 10_000;

/** Per-key token buckets at `ratePerS` (0 = unlimited). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerS: number;

  constructor(ratePerS: number) {
    this.ratePerS = ratePerS;
  }

  /** Takes one token for `key`: 0 when it may go now, else the ms until it may. */
  take(key: string, nowMs: number): number {
    if (this.ratePerS === 0) return 0;
    const capacity = this.ratePerS;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, atMs: nowMs };
    const refilled = Math.min(
      capacity,
      bucket.tokens + ((nowMs - bucket.atMs) / 1000) * this.ratePerS,
    );
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, atMs: nowMs });
      return Math.ceil(((1 - refilled) / this.ratePerS) * 1000);
    }
    this.buckets.set(key, { tokens: refilled - 1, atMs: nowMs });
    if (this.buckets.size > PRUNE_ABOVE) this.prune(nowMs);
    return 0;
  }

  // A bucket that has refilled completely holds nothing worth remembering.
  private prune(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.atMs) / 1000) * this.ratePerS >= this.ratePerS) {
        this.buckets.delete(key);
      }
    }
  }
}
