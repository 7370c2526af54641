/** The options of a stream (`connectSpoolStream`, `new SpoolStream`), and how its callbacks are told. */
import type { BackoffOptions } from './backoff.js';
import type {
  Clock,
  EventSourceFactory,
  HttpClient,
  PageSignals,
  StatusProbe,
} from './browser-env.js';
import type { EnrichedSpoolEvent, SpoolRows } from './spool-store.js';
import type { StreamStatus } from './status.js';
import type { SpoolStreamError } from './stream-error.js';
import type { SpoolFilter } from './stream-query.js';
import type { Transport, TransportOptions } from './transport-policy.js';

/** Options of a stream; the callbacks keep the names of the shop-floor app's own hook. */
export interface SpoolStreamOptions {
  /** More stream URLs (replicas) to rotate to when a stream must be replaced. */
  alternates?: readonly string[];
  /** Start from a snapshot when there is no cursor (default true). */
  snapshot?: boolean;
  /** Heartbeat period assumed until the server's `connected` names it (default 15 000 ms). */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  /**
   * SSE, or long-poll while a proxy holds SSE back: when to fall back and when to try SSE
   * again (docs/client.md, "Through any proxy").
   */
  transport?: TransportOptions;
  /** Send cookies to a gateway on another origin (it needs `CORS_ALLOW_CREDENTIALS=true`). */
  withCredentials?: boolean;
  /**
   * Query-token mode: called before every connect (first, reconnects, after `reauth`, every
   * long-poll read); the token goes as `access_token` in the URL (the gateway needs
   * `AUTH_QUERY_TOKEN`) and is kept out of the state and of every error.
   */
  getToken?: () => Promise<string> | string;
  /**
   * Called on `reauth` (the token expired) before the stream is reopened from its last id:
   * a cookie-mode page refreshes its cookie here. A rejection still reconnects.
   */
  onReauth?: () => Promise<void> | void;
  /** Only the spools and events this selects (docs/contract.md §3.2). */
  filter?: SpoolFilter;
  /** Close the stream while the page is hidden and catch up on return (default false). */
  closeWhenHidden?: boolean;
  /** Start after this id, with these rows (handed over by another tab). */
  lastEventId?: string | null;
  initialSpools?: SpoolRows;
  /** The history `lastEventId` belongs to, and the transport to start on (handed over). */
  epoch?: string | null;
  startTransport?: Transport;
  onMessage?: (event: EnrichedSpoolEvent) => void;
  onStatus?: (status: StreamStatus, previous: StreamStatus) => void;
  /** `true` while updates flow (status `live`), `false` otherwise. */
  onConnectionChange?: (isConnected: boolean) => void;
  onError?: (error: SpoolStreamError) => void;
  eventSource?: EventSourceFactory;
  clock?: Clock;
  page?: PageSignals | null;
  random?: () => number;
  /** Learns a refused stream's status instead of a HEAD through `http` (a thin override). */
  probe?: StatusProbe;
  /** Long-poll requests and the HEAD that asks why a stream was refused (default: `fetch`). */
  http?: HttpClient;
}

/** Calls the app's status callbacks for a change; `onConnectionChange` only when live flips. */
export function reportStatusChange(
  options: Pick<SpoolStreamOptions, 'onStatus' | 'onConnectionChange'>,
  status: StreamStatus,
  previous: StreamStatus,
): void {
  options.onStatus?.(status, previous);
  if ((status === 'live') !== (previous === 'live'))
    options.onConnectionChange?.(status === 'live');
}
