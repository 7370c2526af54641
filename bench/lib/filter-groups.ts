/**
 * Which events a filtered stream is owed (pure). Events go to the filter groups in runs:
 * event `seq` belongs to group `floor(seq / run) mod groups`. With `run` = 1 the groups take
 * turns event by event; unfiltered is one group with runs of 1 (every event).
 */

/** How events are dealt to the groups. */
export interface GroupPattern {
  groups: number;
  run: number;
}

/** Every event to every stream. */
export const UNFILTERED: GroupPattern = Object.freeze({ groups: 1, run: 1 });

/** The group event `seq` belongs to. */
export function groupOfSeq(seq: number, pattern: GroupPattern): number {
  return Math.floor(seq / pattern.run) % pattern.groups;
}

/** The first event at or after `seq` that `group` is owed. */
export function nextOwned(seq: number, group: number, pattern: GroupPattern): number {
  const block = Math.floor(seq / pattern.run);
  const delta = (group - (block % pattern.groups) + pattern.groups) % pattern.groups;
  return delta === 0 ? seq : (block + delta) * pattern.run;
}

/** How many events in [from, to) `group` is owed. */
export function ownedBetween(
  from: number,
  to: number,
  group: number,
  pattern: GroupPattern,
): number {
  return to <= from ? 0 : ownedBelow(to, group, pattern) - ownedBelow(from, group, pattern);
}

function ownedBelow(end: number, group: number, { groups, run }: GroupPattern): number {
  const cycle = groups * run;
  const intoCycle = (end % cycle) - group * run;
  return Math.floor(end / cycle) * run + Math.min(Math.max(0, intoCycle), run);
}
