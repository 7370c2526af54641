/**
 * The newest events of the log, for a screen's "recent activity" on first load: catch-up
 * reads of the streams API (docs/contract.md §3.3), which has no "last N" read, from a
 * point chosen so that one short read usually reaches the tail. A snapshot row names its
 * spool's last event, so the (count + 1)-th newest of those ids is older than at least
 * `count` events; a read after it that returns `count` or more therefore holds the newest
 * `count`. When it returns fewer (a filter the rows do not follow: an event type, an
 * operation a spool has since left) the log is paged from its oldest event instead, at
 * most HISTORY_SIZE / 1000 pages.
 */
import { compareIds } from '../domain/event-id.js';
import { browserClock, type Clock, fetchHttp } from './browser-env.js';
import { readPage } from './read-page.js';
import type { EnrichedSpoolEvent, SpoolRows } from './spool-store.js';
import { StreamAccess, type StreamAccessOptions } from './stream-access.js';
import { offsetAfter } from './stream-position.js';
import { readUrl, readUrlsOf, type SpoolFilter } from './stream-query.js';
import { eventOf } from './stream-state.js';
import { transportSettings } from './transport-policy.js';

/** Options of `readRecentEvents`; tokens and cookies as the stream's. */
export interface RecentEventsOptions extends StreamAccessOptions {
  /** How many events (default 20). */
  count?: number;
  filter?: SpoolFilter;
  clock?: Clock;
  /** Longest wait for one page, getToken included (default: the stream's, 60 000 ms). */
  requestTimeoutMs?: number;
  /** Most pages one read may take before it stops (default 20, 20 000 events). */
  maxPages?: number;
}

/**
 * Where a read for the newest `count` events may start, best first: after the
 * (count + 1)-th newest row's last event when there are more rows than `count`, then
 * null, the oldest event held (`offset=-1`), which always holds them.
 */
export function recentReadStarts(rows: SpoolRows, count: number): (string | null)[] {
  const ids = [...rows.values()].map((row) => row.last_event_id).sort((a, b) => compareIds(b, a));
  const bound = ids[count];
  return bound === undefined ? [null] : [bound, null];
}

/**
 * The newest `count` events the caller may see, oldest first, from the gateway of
 * `streamUrl` (an `/api/sse/stream` URL), in the history of `view.epoch`. Rejects when the
 * gateway refuses (401, 403, 503) or cannot be reached.
 */
export async function readRecentEvents(
  streamUrl: string,
  view: { epoch: string | null; spools: SpoolRows },
  options: RecentEventsOptions = {},
): Promise<EnrichedSpoolEvent[]> {
  const count = options.count ?? 20;
  for (const start of recentReadStarts(view.spools, count)) {
    const offset = start === null ? '-1' : offsetAfter(view.epoch, start);
    if (offset === null) continue;
    const read = await readToTail(readUrlsOf(streamUrl).streams, offset, count, options);
    if (read === 'gone') continue;
    if (start === null || read.total >= count) return read.newest;
  }
  return [];
}

/** Pages from `offset` to the tail, keeping the newest `count`; 'gone' for a 410/400. */
async function readToTail(
  streams: string,
  offset: string,
  count: number,
  options: RecentEventsOptions,
): Promise<{ newest: EnrichedSpoolEvent[]; total: number } | 'gone'> {
  const reads = {
    access: new StreamAccess(options),
    http: options.http ?? fetchHttp,
    clock: options.clock ?? browserClock,
    requestTimeoutMs: options.requestTimeoutMs ?? transportSettings().requestTimeoutMs,
  };
  let newest: EnrichedSpoolEvent[] = [];
  let total = 0;
  let next: string | null = offset;
  for (let page = 0; next !== null && page < (options.maxPages ?? 20); page += 1) {
    const read = await readPage(readUrl(streams, { offset: next }, options.filter), 'GET', reads);
    if (!read.ok) {
      if (read.why === 'failed') throw read.error;
      throw new Error(
        read.why === 'no_token'
          ? 'getToken gave no token'
          : `the streams API gave no answer within ${reads.requestTimeoutMs} ms`,
      );
    }
    const { answer } = read;
    if (answer.status === 410 || answer.status === 400) return 'gone';
    if (answer.status !== 200) throw new Error(`the streams API answered ${answer.status}`);
    const items: unknown = JSON.parse(answer.body);
    const events = (Array.isArray(items) ? items : []).map(eventOf).filter((e) => e !== null);
    total += events.length;
    newest = [...newest, ...events].slice(-count);
    // A filtered page may select nothing and still not be the tail: only the header says.
    const after = answer.header('Stream-Next-Offset');
    next = answer.header('Stream-Up-To-Date') === 'true' || after === next ? null : after;
  }
  return { newest, total };
}
