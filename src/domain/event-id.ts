/**
 * Event ids have the Redis Stream form `<ms>-<seq>`: they increase in storage order and
 * carry their storage time. Pure: the memory bus makes them the same way Redis does, and
 * the stream compares them.
 */

/** Splits an id; null when it is not of the `<ms>-<seq>` form. */
export function parseEventId(id: string): { ms: number; seq: number } | null {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(id);
  if (!match) return null;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

/** Storage time (ms since epoch) encoded in an id, or null. */
export function idTimeMs(id: string): number | null {
  return parseEventId(id)?.ms ?? null;
}

/** Makes increasing ids from a clock that may stand still or step back (as XADD does). */
export function createIdMaker(): (nowMs: number) => string {
  let lastMs = -1;
  let seq = 0;
  return (nowMs) => {
    if (nowMs > lastMs) {
      lastMs = nowMs;
      seq = 0;
    } else {
      seq += 1;
    }
    return `${lastMs}-${seq}`;
  };
}

/** Orders ids numerically: negative when a < b; malformed ids sort first. */
export function compareIds(a: string, b: string): number {
  const pa = parseEventId(a);
  const pb = parseEventId(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return pa.ms - pb.ms || pa.seq - pb.seq;
}

/** Where a resume cursor stands in a history. */
export type CursorVerdict = 'held' | 'unknown_cursor' | 'cursor_too_old';

/** What a history knows about its bounds, for `classifyCursor`. */
export interface HistoryBounds {
  /** The newest id ever added (`0-0` for an empty history). */
  newestId: string;
  /** The oldest id still held, or null when none is. */
  oldestHeldId: string | null;
  /** True once entries were trimmed away (the events right after an old cursor may be gone). */
  isTrimmed: boolean;
  /** True when the cursor itself is held (or is the exact point the history is complete after). */
  isCursorHeld: boolean;
}

/**
 * Whether a history can continue after `cursor`: it is held (or `0-0` on a history that
 * never lost an entry); it is older than the oldest held event once entries were trimmed
 * (`cursor_too_old`); or it is newer than anything stored, malformed, or not of this history
 * (`unknown_cursor`). One rule for the memory and the Redis history.
 */
export function classifyCursor(cursor: string, bounds: HistoryBounds): CursorVerdict {
  if (!parseEventId(cursor)) return 'unknown_cursor';
  if (bounds.isCursorHeld) return 'held';
  if (compareIds(cursor, bounds.newestId) > 0) return 'unknown_cursor';
  const isBeforeOldest =
    bounds.oldestHeldId === null || compareIds(cursor, bounds.oldestHeldId) < 0;
  if (bounds.isTrimmed && isBeforeOldest) return 'cursor_too_old';
  if (cursor === '0-0' && !bounds.isTrimmed) return 'held';
  return 'unknown_cursor';
}
