/** What the dashboard shows, from the client's rows (pure, so filters are unit-tested). */
import type { EnrichedSpoolEvent, SpoolRows, SpoolState } from '../client/spool-store.js';
import type { StreamStatus } from '../client/status.js';
import type { FilterParam, SpoolFilter } from '../client/stream-query.js';
import type { Transport } from '../client/transport-policy.js';
import { compareIds } from '../domain/event-id.js';
import { compareTags } from '../domain/spool-state.js';
import type { Texts } from './i18n.js';

/** The four groups of the page; `available` is a spool no worker has taken yet. */
export type Group = 'occupied' | 'paused' | 'completed' | 'available';

/** The filters of the page. */
export interface Filters {
  operation: string;
  search: string;
}

/** The group a row goes in. */
export function groupOf(row: SpoolState): Group {
  return row.status ?? 'available';
}

/** Rows that pass the filters, by group, each group sorted by tag. */
export function groupRows(rows: SpoolRows, filters: Filters): Record<Group, SpoolState[]> {
  const groups: Record<Group, SpoolState[]> = {
    occupied: [],
    paused: [],
    completed: [],
    available: [],
  };
  const search = filters.search.trim().toLowerCase();
  for (const row of rows.values()) {
    if (filters.operation !== '' && row.operation !== filters.operation) continue;
    if (search !== '' && !row.tag_spool.toLowerCase().includes(search)) continue;
    groups[groupOf(row)].push(row);
  }
  for (const list of Object.values(groups)) {
    list.sort((a, b) => compareTags(a.tag_spool, b.tag_spool));
  }
  return groups;
}

/** Every operation named by a row, sorted, for the filter list. */
export function operationsOf(rows: SpoolRows): string[] {
  const set = new Set<string>();
  for (const row of rows.values()) if (row.operation) set.add(row.operation);
  return [...set].sort();
}

/**
 * The line saying which selection the page's URL asked the gateway for
 * ("Solo operación ARM · trabajador 93"), or null when it shows everything.
 */
export function describeFilter(
  filter: SpoolFilter,
  texts: Pick<Texts, 'filterActive' | 'filterNames'>,
): string | null {
  const terms = (Object.entries(filter) as [FilterParam, readonly string[]][])
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => `${texts.filterNames[name]} ${values.join(', ')}`);
  return terms.length === 0 ? null : `${texts.filterActive} ${terms.join(' · ')}`;
}

/**
 * The activity feed after `incoming` (live events, or the history read on first load, in
 * any order): newest first, each event once by id, at most `size`.
 */
export function mergeFeed(
  feed: readonly EnrichedSpoolEvent[],
  incoming: readonly EnrichedSpoolEvent[],
  size: number,
): EnrichedSpoolEvent[] {
  const byId = new Map(feed.map((event) => [event.spoolcast.id, event]));
  for (const event of incoming) byId.set(event.spoolcast.id, event);
  return [...byId.values()]
    .sort((a, b) => compareIds(b.spoolcast.id, a.spoolcast.id))
    .slice(0, size);
}

/**
 * The badge's words: the status, then "(long-poll)" while a proxy holds the stream back
 * (not after a refusal or offline, where no transport runs).
 */
export function badgeText(
  status: StreamStatus,
  transport: Transport,
  texts: Pick<Texts, 'status' | 'longPoll'>,
): string {
  const isRunning = status !== 'offline' && status !== 'unauthorized' && status !== 'forbidden';
  const text = texts.status[status];
  return transport === 'long-poll' && isRunning ? `${text} (${texts.longPoll})` : text;
}
