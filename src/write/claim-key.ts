/**
 * The claim key of a plain PUBLISH, which makes it stored exactly once across replicas.
 * Every replica sees a channel's messages in the same order, so "the n-th time this
 * content was seen within the window" names the same message everywhere, while two
 * identical messages sent on purpose (TOMAR, PAUSAR, TOMAR) get different numbers. A
 * content hash alone would merge them.
 */
import { createHash } from 'node:crypto';

/** Counts occurrences of each content hash; entries expire after `windowMs` of silence. */
export interface ClaimKeys {
  /** The claim key suffix for this message: `<sha1>:<n>`. */
  keyFor(payload: string | Buffer, nowMs: number): string;
  readonly size: number;
}

/** Creates a counter whose memory is bounded by the messages seen within `windowMs`. */
export function createClaimKeys(windowMs: number): ClaimKeys {
  const seen = new Map<string, { count: number; lastMs: number }>();
  let lastPruneMs = 0;
  const prune = (nowMs: number) => {
    // Map iteration is in insertion order, and entries are re-inserted on use, so the
    // stalest come first: stop at the first fresh one.
    for (const [hash, entry] of seen) {
      if (nowMs - entry.lastMs < windowMs) break;
      seen.delete(hash);
    }
    lastPruneMs = nowMs;
  };
  return {
    keyFor(payload, nowMs) {
      if (nowMs - lastPruneMs >= windowMs / 4) prune(nowMs);
      const hash = createHash('sha1').update(payload).digest('hex');
      const entry = seen.get(hash);
      const count = entry && nowMs - entry.lastMs < windowMs ? entry.count + 1 : 1;
      seen.delete(hash);
      seen.set(hash, { count, lastMs: nowMs });
      return `${hash}:${count}`;
    },
    get size() {
      return seen.size;
    },
  };
}
