/**
 * Bounds how often a noisy condition is logged (a producer spamming bad JSON must not flood
 * the logs): at most `maxPerWindow` lines per `windowMs`, then one summary of what was dropped.
 */

/** Decides, per occurrence, whether to log it; reports how many were suppressed before. */
export interface LogLimiter {
  /** Returns null to stay quiet, else the count suppressed since the last logged line. */
  admit(nowMs: number): number | null;
}

/** Creates a limiter allowing `maxPerWindow` lines per `windowMs` (defaults 10 per 10 s). */
export function createLogLimiter(maxPerWindow = 10, windowMs = 10_000): LogLimiter {
  let windowStartMs = Number.NEGATIVE_INFINITY;
  let usedInWindow = 0;
  let suppressed = 0;
  return {
    admit(nowMs) {
      if (nowMs - windowStartMs >= windowMs) {
        windowStartMs = nowMs;
        usedInWindow = 0;
      }
      if (usedInWindow >= maxPerWindow) {
        suppressed += 1;
        return null;
      }
      usedInWindow += 1;
      const before = suppressed;
      suppressed = 0;
      return before;
    },
  };
}
