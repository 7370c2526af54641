/**
 * A fixed-size latency histogram in microseconds: exact below 256 µs, then 128 sub-buckets
 * per power of two (< 0.8 % relative error) up to ~35 minutes. Recording is two integer
 * operations and an array increment, so the generator can record every delivery.
 */

const LINEAR = 256;
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128
const MAX_EXP = 31;
/** Number of buckets: 256 exact + 128 per exponent 8..30. */
export const BUCKETS = LINEAR + (MAX_EXP - 8) * SUB;

/** Bucket index of a latency in µs (negative values count as 0, huge ones as the last). */
export function bucketOf(us: number): number {
  if (us < LINEAR) return us < 0 ? 0 : us | 0;
  if (us >= 2 ** 31 - 1) return BUCKETS - 1;
  const v = us | 0;
  const exp = 31 - Math.clz32(v); // ≥ 8
  const shift = exp - SUB_BITS;
  return LINEAR + (exp - 8) * SUB + ((v >>> shift) - SUB);
}

/** Representative value (µs) of a bucket: its midpoint. */
export function bucketValueUs(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const rel = bucket - LINEAR;
  const exp = 8 + Math.floor(rel / SUB);
  const mantissa = SUB + (rel % SUB);
  const shift = exp - SUB_BITS;
  return mantissa * 2 ** shift + 2 ** shift / 2;
}

/** Summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** A histogram of µs values. */
export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  record(us: number): void {
    const i = bucketOf(us);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++)
      this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.count += other.count;
    this.sumUs += other.sumUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  /** The value (µs) at quantile q in [0, 1]. */
  quantileUs(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(bucketValueUs(i), this.maxUs);
    }
    return this.maxUs;
  }

  summary(): LatencySummary | null {
    if (this.count === 0) return null;
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.count,
      p50: ms(this.quantileUs(0.5)),
      p90: ms(this.quantileUs(0.9)),
      p99: ms(this.quantileUs(0.99)),
      p999: ms(this.quantileUs(0.999)),
      max: ms(this.maxUs),
      mean: ms(this.sumUs / this.count),
    };
  }
}
