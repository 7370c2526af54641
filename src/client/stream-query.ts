/**
 * What the stream URL says (pure): the screen's filter (docs/contract.md §3.2), the resume
 * cursor, `snapshot=1` for a first start and, in query-token mode, the token; and the
 * filter a page's own address names, so a bookmarked URL selects the same spools.
 */
import { compareIds, parseEventId } from '../domain/event-id.js';
import { FILTER_PARAMS, type FilterParam } from '../domain/stream-filter.js';

export type { FilterParam } from '../domain/stream-filter.js';

/**
 * What a screen selects, by the stream's filter parameters: several values of one name
 * select any of them, several names must all match (`{ operation: ['ARM'], worker: ['93'] }`).
 */
export type SpoolFilter = Partial<Record<FilterParam, readonly string[]>>;

/** The query parameter a query-token stream carries its token in (`AUTH_QUERY_TOKEN`). */
export const ACCESS_TOKEN_PARAM = 'access_token';

/**
 * The stream URL: the filter's terms, `snapshot=1` when asked, and `last_event_id` when
 * there is a cursor. Blank filter values are left out (the gateway refuses them with 400).
 */
export function streamUrl(
  url: string,
  lastEventId: string | null,
  snapshot: boolean,
  filter: SpoolFilter = {},
): string {
  const params = { snapshot: snapshot ? '1' : undefined, last_event_id: lastEventId ?? undefined };
  return readUrl(url, params, filter);
}

/** The read routes beside a stream URL: the streams API (§3.3) and the snapshot (§3). */
export interface ReadUrls {
  streams: string;
  spools: string;
}

/**
 * The streams API (`…/api/streams/spools`) and snapshot (`…/api/spools`) URLs of the
 * gateway a stream URL points at: a path ending in `/sse/stream` keeps what comes before
 * (a gateway mounted under a prefix), any other path gets the root's `/api/…`.
 */
export function readUrlsOf(url: string): ReadUrls {
  const target = new URL(url, baseHref());
  target.search = '';
  target.hash = '';
  const match = /^(.*)\/sse\/stream\/?$/.exec(target.pathname);
  const api = match?.[1] ?? '/api';
  return {
    streams: new URL(`${api}/streams/spools`, target).href,
    spools: new URL(`${api}/spools`, target).href,
  };
}

/**
 * A read URL: the filter's terms, then `params` (`offset`, `live`, `cursor`; undefined
 * values left out). The read routes take the stream's filters (§3.2).
 */
export function readUrl(
  url: string,
  params: Record<string, string | undefined>,
  filter: SpoolFilter = {},
): string {
  const target = new URL(url, baseHref());
  for (const [name, value] of filterEntries(filter)) target.searchParams.append(name, value);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  return target.href;
}

/** `url` with `token` as its `access_token` (the only place a query token goes). */
export function withAccessToken(url: string, token: string): string {
  const target = new URL(url);
  target.searchParams.set(ACCESS_TOKEN_PARAM, token);
  return target.href;
}

/** The filter named in a page's query string (`?operation=ARM&worker=93`); other names are ignored. */
export function filterFromQuery(query: string): SpoolFilter {
  const params = new URLSearchParams(query);
  const filter: SpoolFilter = {};
  for (const name of FILTER_PARAMS) {
    const values = params
      .getAll(name)
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length > 0) filter[name] = values;
  }
  return filter;
}

/** The filter as query text in a fixed order (`''` for none): equal for equal selections. */
export function filterKey(filter: SpoolFilter = {}): string {
  return new URLSearchParams(filterEntries(filter)).toString();
}

/**
 * The resume cursor after a heartbeat: its `last_event_id` when that is an event id newer
 * than `current` (the gateway has written this stream every event up to it, so a quiet
 * filtered screen resumes from a recent point), else `current`. Ids compare numerically.
 */
export function advanceCursor(current: string | null, heartbeatId: unknown): string | null {
  if (typeof heartbeatId !== 'string' || parseEventId(heartbeatId) === null) return current;
  if (current !== null && compareIds(heartbeatId, current) <= 0) return current;
  return heartbeatId;
}

function filterEntries(filter: SpoolFilter): [FilterParam, string][] {
  const entries: [FilterParam, string][] = [];
  for (const name of FILTER_PARAMS) {
    for (const value of filter[name] ?? []) {
      if (value.trim() !== '') entries.push([name, value.trim()]);
    }
  }
  return entries;
}

/** What relative URLs resolve against: the page, or a placeholder outside a browser. */
function baseHref(): string {
  return typeof location === 'undefined' ? 'http://localhost/' : location.href;
}
