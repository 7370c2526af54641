/**
 * The close schedule of a graceful drain, as pure functions: every open stream gets its own
 * moment, uniformly at random over the drain window, so a rolling update does not make
 * every screen reconnect in the same second (the reconnects land on the other replicas as
 * evenly as the closes are spread).
 */

/** One planned close: which stream (index into the list given) and when, in ms from the start. */
export interface PlannedClose {
  index: number;
  atMs: number;
}

/**
 * Plans `count` closes over `windowMs`, sorted by time; a zero window closes everything at
 * once. `random` is injectable for tests (default Math.random).
 */
export function planDrainCloses(
  count: number,
  windowMs: number,
  random: () => number = Math.random,
): PlannedClose[] {
  const plan: PlannedClose[] = [];
  for (let index = 0; index < count; index += 1) {
    plan.push({ index, atMs: Math.floor(random() * Math.max(0, windowMs)) });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/**
 * How many of the sorted `plan` entries, starting at `from`, are due at `elapsedMs`: the
 * drain's one timer closes that many and moves `from` on.
 */
export function countDue(plan: readonly PlannedClose[], from: number, elapsedMs: number): number {
  let end = from;
  while (end < plan.length && (plan[end] as PlannedClose).atMs <= elapsedMs) end += 1;
  return end - from;
}

/** Tick of the drain timer: fine enough to spread closes, coarse enough to stay cheap (10–100 ms). */
export function drainTickMs(windowMs: number): number {
  return Math.max(10, Math.min(100, Math.floor(windowMs / 50)));
}
