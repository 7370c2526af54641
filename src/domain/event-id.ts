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
