/**
 * spoolcast browser client (`spoolcast/client`): a live view of the plant's spools over
 * Server-Sent Events, with a status a screen can trust. No runtime dependencies.
 *
 * ```ts
 * const stream = connectSpoolStream('/api/sse/stream', { shareTabs: true });
 * stream.subscribe(() => render(stream.getState()));
 * ```
 */
import { SpoolStream } from './spool-stream.js';
import type { SpoolStreamOptions } from './stream-options.js';
import { filterKey } from './stream-query.js';
import { canShareTabs, SharedSpoolStream, type SpoolStreamHandle } from './tab-share.js';

export { type BackoffOptions, backoffDelayMs } from './backoff.js';
export type {
  Clock,
  EventSourceFactory,
  EventSourceLike,
  HttpAnswer,
  HttpClient,
  HttpRequestInit,
  PageSignals,
  ProbeAnswer,
  StatusProbe,
} from './browser-env.js';
export {
  type RecentEventsOptions,
  readRecentEvents,
  recentReadStarts,
} from './recent-events.js';
export {
  applySpoolUpdate,
  type EnrichedSpoolEvent,
  rowsOfSnapshot,
  type SpoolRows,
  type SpoolSnapshot,
  type SpoolState,
  type SpoolStatus,
  sortedRows,
} from './spool-store.js';
export { SpoolStream } from './spool-stream.js';
export { OFFLINE_AFTER_FAILURES, type Refusal, reduceStatus, type StreamStatus } from './status.js';
export { SpoolStreamError, type SpoolStreamErrorCode } from './stream-error.js';
export type { SpoolStreamOptions } from './stream-options.js';
export {
  type FilterParam,
  filterFromQuery,
  filterKey,
  type SpoolFilter,
  streamUrl,
} from './stream-query.js';
export type { SpoolStreamState } from './stream-state.js';
export { canShareTabs, SharedSpoolStream, type SpoolStreamHandle } from './tab-share.js';
export type { Transport, TransportOptions } from './transport-policy.js';

/** Options of `connectSpoolStream`. */
export interface ConnectOptions extends SpoolStreamOptions {
  /**
   * Share one connection among every tab of this browser showing the same stream (Web
   * Locks + BroadcastChannel); a string names the group (default: the URL), and tabs with
   * different filters never share. Falls back to a connection of its own where the browser
   * lacks either API. Default false.
   */
  shareTabs?: boolean | string;
}

/** Opens a live view of the spools at `url` (the gateway's `/api/sse/stream`). */
export function connectSpoolStream(url: string, options: ConnectOptions = {}): SpoolStreamHandle {
  const { shareTabs, ...rest } = options;
  if (shareTabs && canShareTabs()) {
    const group = typeof shareTabs === 'string' ? shareTabs : url;
    const selection = filterKey(rest.filter);
    return new SharedSpoolStream(url, rest, selection === '' ? group : `${group}?${selection}`);
  }
  const stream = new SpoolStream(url, rest);
  return {
    getState: () => stream.getState(),
    subscribe: (listener) => stream.subscribe(listener),
    close: () => stream.close(),
    reconnect: () => stream.reconnect(),
    isLeader: true,
  };
}
