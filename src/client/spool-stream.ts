/**
 * One live view of the plant over a native EventSource: status, spools and the last event,
 * with resume that never loses its place. The IO shell around the pure pieces (status.ts,
 * backoff.ts, spool-store.ts, stream-query.ts) and stream-access.ts (tokens, the probe): it
 * owns the EventSource, the watchdog timer and the page listeners, and everything it
 * depends on is injectable so tests drive it with a fake EventSource, clock and probe.
 */
import { compareIds } from '../domain/event-id.js';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import {
  browserClock,
  browserPageSignals,
  type Clock,
  EVENT_SOURCE_CLOSED,
  type EventSourceFactory,
  type EventSourceLike,
  type PageSignals,
  type StatusProbe,
} from './browser-env.js';
import {
  applySpoolUpdate,
  type EnrichedSpoolEvent,
  rowsOfSnapshot,
  type SpoolRows,
  type SpoolSnapshot,
} from './spool-store.js';
import { StateStore } from './state-store.js';
import { initialStatusState, reduceStatus, type StatusInput, type StreamStatus } from './status.js';
import { type RefusalAnswer, StreamAccess } from './stream-access.js';
import { advanceCursor, type SpoolFilter, streamUrl } from './stream-query.js';

/**
 * A stream told `reauth` sooner than this after it opened came back with a token that had
 * already expired (the gateway admits a token up to AUTH_CLOCK_SKEW_S past `exp` but ends
 * its stream at `exp`): that reconnect backs off instead of looping.
 */
export const QUICK_REAUTH_MS = 1000;

/** Stable codes of `SpoolStreamError`. */
export type SpoolStreamErrorCode =
  | 'stream_dropped'
  | 'stream_refused'
  | 'stream_silent'
  | 'stream_unauthorized'
  | 'stream_forbidden'
  | 'token_unavailable';

/** Why a stream was replaced or failed, with a stable code. */
export class SpoolStreamError extends Error {
  constructor(
    readonly code: SpoolStreamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpoolStreamError';
  }
}

/** Everything a screen needs, as one immutable value (a new object after every change). */
export interface SpoolStreamState {
  status: StreamStatus;
  spools: SpoolRows;
  lastEvent: EnrichedSpoolEvent | null;
  /**
   * The resume cursor: the newest id seen in a snapshot (`as_of`), an event, or a
   * heartbeat's `last_event_id` (all events up to it were sent to this screen).
   */
  lastEventId: string | null;
  /** When the last snapshot or event arrived (ms since epoch, client clock). */
  lastEventAt: number | null;
  /** When the last frame of any kind arrived. */
  lastFrameAt: number | null;
  /** The last `resync` reason, until the next connect. */
  resync: string | null;
  error: SpoolStreamError | null;
  /** The URL of the current stream (never with its token). */
  url: string;
}

/** Options of a stream; the callbacks keep the names of the shop-floor app's own hook. */
export interface SpoolStreamOptions {
  /** More stream URLs (replicas) to rotate to when a stream must be replaced. */
  alternates?: readonly string[];
  /** Start from a snapshot when there is no cursor (default true). */
  snapshot?: boolean;
  /** Heartbeat period assumed until the server's `connected` names it (default 15 000 ms). */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  /** Send cookies to a gateway on another origin (it needs `CORS_ALLOW_CREDENTIALS=true`). */
  withCredentials?: boolean;
  /**
   * Query-token mode: called before every connect (first, reconnects, after `reauth`); the
   * token goes as `access_token` in the stream URL (the gateway needs `AUTH_QUERY_TOKEN`)
   * and is kept out of the state and of every error.
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
  onMessage?: (event: EnrichedSpoolEvent) => void;
  onStatus?: (status: StreamStatus, previous: StreamStatus) => void;
  /** `true` while updates flow (status `live`), `false` otherwise. */
  onConnectionChange?: (isConnected: boolean) => void;
  onError?: (error: SpoolStreamError) => void;
  eventSource?: EventSourceFactory;
  clock?: Clock;
  page?: PageSignals | null;
  random?: () => number;
  /** Learns a refused stream's status (default: `fetch` HEAD). */
  probe?: StatusProbe;
}

/** A live view of the spools over one EventSource at a time. */
export class SpoolStream {
  private readonly store: StateStore<SpoolStreamState>;
  private status = initialStatusState();
  private readonly urls: string[];
  private readonly clock: Clock;
  private readonly makeSource: EventSourceFactory;
  private readonly access: StreamAccess;
  private source: EventSourceLike | null = null;
  private watchdog: unknown = null;
  private reopenTimer: unknown = null;
  private urlIndex = 0;
  private attempts = 0;
  private heartbeatMs: number;
  private serverRetryMs: number | null = null;
  /** Bumped by every stop: a token, probe or reauth hook answering later is for a dead attempt. */
  private generation = 0;
  private connectedAtMs = 0;
  private isClosed = false;
  private readonly unlisten: () => void;

  constructor(
    url: string,
    private readonly options: SpoolStreamOptions = {},
  ) {
    this.urls = [url, ...(options.alternates ?? [])];
    this.clock = options.clock ?? browserClock;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.access = new StreamAccess(options);
    this.makeSource =
      options.eventSource ?? ((u, init) => new EventSource(u, init) as EventSourceLike);
    const page = options.page === undefined ? browserPageSignals() : options.page;
    this.status = initialStatusState(page?.isOnline() ?? true);
    this.store = new StateStore(
      initialStreamState(url, this.status.status, options.lastEventId, options.initialSpools),
    );
    this.unlisten = page?.listen(() => this.onPage(page)) ?? (() => undefined);
    if (page && options.closeWhenHidden && page.isHidden())
      this.feed({ type: 'suspend', isSuspended: true });
    else if (this.status.isOnline) this.open();
  }

  /** The current state (same object until something changes). */
  getState(): SpoolStreamState {
    return this.store.get();
  }

  /** Calls `listener` after every change; returns the remover. */
  subscribe(listener: () => void): () => void {
    return this.store.subscribe(listener);
  }

  /**
   * Opens a new stream now, asking `getToken` again: what a page calls once it has a new
   * token or cookie after `unauthorized` or `forbidden` (or any time, to retry at once).
   */
  reconnect(): void {
    if (this.isClosed) return;
    this.attempts = 0;
    this.open();
  }

  /** Closes the stream for good and removes every listener and timer. */
  close(): void {
    this.isClosed = true;
    this.stop();
    this.unlisten();
    this.store.clear();
  }

  private open(): void {
    if (this.isClosed) return;
    this.stop();
    const url = streamUrl(
      this.urls[this.urlIndex] as string,
      this.store.get().lastEventId,
      this.options.snapshot ?? true,
      this.options.filter,
    );
    this.update({ url });
    this.feed({ type: 'opening' });
    // Also a deadline for getToken: one that never answers counts as a silent attempt.
    this.arm();
    const generation = this.generation;
    this.access.resolve(
      url,
      (target) => {
        if (generation === this.generation) this.connect(target);
      },
      () => {
        if (generation !== this.generation) return;
        this.feed({ type: 'dropped', isGivenUp: true });
        this.fail('token_unavailable', 'getToken gave no token; retrying with backoff');
        this.reopenLater();
      },
    );
  }

  /** Opens the EventSource; `target` may carry the token, so it stays in this closure. */
  private connect(target: string): void {
    const source = this.makeSource(target, { withCredentials: this.access.withCredentials });
    this.source = source;
    let hasOpened = false;
    const on = (type: string, handle: (event: MessageEvent<string>) => void) =>
      source.addEventListener(type, (event) => {
        if (this.source !== source) return; // a late event of a replaced stream
        this.onFrame();
        handle(event);
      });
    on('connected', (e) => {
      hasOpened = true;
      this.onConnected(e.data);
    });
    on('heartbeat', (e) => this.onHeartbeat(e.data));
    on('snapshot', (e) => this.onSnapshot(e));
    on('spool_update', (e) => this.onUpdate(e.data));
    on('resync', (e) =>
      this.update({ resync: parse<{ reason?: string }>(e.data).reason ?? 'resync' }),
    );
    on('reauth', () => this.onReauth());
    source.addEventListener('error', () => {
      if (this.source === source) this.onError(source, target, hasOpened);
    });
  }

  private stop(): void {
    this.generation += 1;
    this.source?.close();
    this.source = null;
    this.clock.clearTimeout(this.watchdog);
    this.clock.clearTimeout(this.reopenTimer);
    this.watchdog = null;
    this.reopenTimer = null;
  }

  /** Replaces the stream after a backoff delay, on the next URL, from the last id seen. */
  private reopenLater(): void {
    this.stop();
    const delayMs = backoffDelayMs(
      this.attempts,
      this.options.backoff,
      this.serverRetryMs,
      this.options.random,
    );
    this.attempts += 1;
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    this.reopenTimer = this.clock.setTimeout(() => this.open(), delayMs);
  }

  /** No frame for 2 heartbeat periods means the stream is dead, whatever it claims. */
  private arm(): void {
    this.clock.clearTimeout(this.watchdog);
    this.watchdog = this.clock.setTimeout(() => {
      this.feed({ type: 'silent' });
      this.fail('stream_silent', `no frame for ${2 * this.heartbeatMs} ms`);
      this.reopenLater();
    }, 2 * this.heartbeatMs);
  }

  private onFrame(): void {
    this.update({ lastFrameAt: this.clock.now() });
    this.arm();
  }

  private onConnected(data: string): void {
    const info = parse<{ bus?: 'ok' | 'down'; heartbeat_ms?: number; retry_ms?: number }>(data);
    if (typeof info.heartbeat_ms === 'number' && info.heartbeat_ms > 0) {
      this.heartbeatMs = info.heartbeat_ms;
      this.arm();
    }
    if (typeof info.retry_ms === 'number') this.serverRetryMs = info.retry_ms;
    this.attempts = 0;
    this.connectedAtMs = this.clock.now();
    this.update({ resync: null, error: null });
    this.feed({ type: 'frame', bus: info.bus, isConnected: true });
  }

  private onHeartbeat(data: string): void {
    const info = parse<{ bus: 'ok' | 'down'; last_event_id: unknown }>(data);
    this.feed({ type: 'frame', bus: info.bus });
    const current = this.store.get().lastEventId;
    const cursor = advanceCursor(current, info.last_event_id);
    if (cursor !== current) this.update({ lastEventId: cursor });
  }

  /**
   * The token expired and the gateway is ending the stream. Closed here, before the
   * browser would reconnect by itself with the expired token; reopened from the last id
   * with a fresh token (getToken), after the page's `onReauth` (a cookie refreshed).
   */
  private onReauth(): void {
    const isQuick = this.clock.now() - this.connectedAtMs < QUICK_REAUTH_MS;
    this.stop();
    this.feed({ type: 'opening' });
    const generation = this.generation;
    const resume = () => {
      if (generation !== this.generation || this.isClosed) return;
      if (isQuick) this.reopenLater();
      else this.open();
    };
    const hook = this.options.onReauth;
    if (hook) Promise.resolve().then(hook).then(resume, resume);
    else resume();
  }

  private onSnapshot(event: MessageEvent<string>): void {
    const snapshot = parse<SpoolSnapshot>(event.data);
    if (!Array.isArray(snapshot.spools)) return;
    this.update({
      spools: rowsOfSnapshot(snapshot as SpoolSnapshot),
      lastEventId: event.lastEventId || (snapshot.as_of ?? null),
      lastEventAt: this.clock.now(),
    });
  }

  private onUpdate(data: string): void {
    const parsed = parse<EnrichedSpoolEvent>(data);
    const id = parsed.spoolcast?.id;
    if (typeof id !== 'string' || typeof parsed.tag_spool !== 'string') return;
    const event = parsed as EnrichedSpoolEvent;
    // The gateway sends each event once; this guards a replaced stream's overlap.
    const last = this.store.get().lastEventId;
    if (last !== null && compareIds(id, last) <= 0) return;
    this.update({
      spools: applySpoolUpdate(this.store.get().spools, event),
      lastEvent: event,
      lastEventId: id,
      lastEventAt: this.clock.now(),
    });
    this.options.onMessage?.(event);
  }

  private onError(source: EventSourceLike, target: string, hasOpened: boolean): void {
    // CONNECTING: the browser retries by itself (honouring `retry:`), with Last-Event-ID.
    // CLOSED: it gave up (non-200, wrong content type, CORS) and never says which.
    const isGivenUp = source.readyState === EVENT_SOURCE_CLOSED;
    this.feed({ type: 'dropped', isGivenUp });
    if (!isGivenUp) {
      this.fail('stream_dropped', 'the stream dropped; the browser is reconnecting');
      return;
    }
    // The browser's own reconnect of a stream that had opened reused its first URL (and
    // token): a new attempt, with a fresh token, comes first.
    if (hasOpened) {
      this.onRefused(null);
      return;
    }
    // A stream that never opened: retried as it is, a 401 would loop, so a HEAD of the
    // same URL (same token, same cookies) asks why first.
    this.stop();
    const generation = this.generation;
    void this.access.refusal(target).then((answer) => {
      if (generation === this.generation && !this.isClosed) this.onRefused(answer);
    });
  }

  /** 401 and 403 wait for the page (a new token, `reconnect()`); anything else backs off. */
  private onRefused(answer: RefusalAnswer | null): void {
    if (answer === null) {
      this.fail('stream_refused', 'the stream was refused; retrying with backoff');
      this.reopenLater();
      return;
    }
    this.feed({ type: 'refused', refusal: answer.refusal });
    const why = answer.challenge ? ` (${answer.challenge})` : '';
    this.fail(
      answer.refusal === 'unauthorized' ? 'stream_unauthorized' : 'stream_forbidden',
      `the gateway answered ${answer.status}${why}; waiting for reconnect()`,
    );
  }

  private onPage(page: PageSignals): void {
    if (this.isClosed) return;
    // A refused stream waits for the page's reconnect(), whatever the page does meanwhile.
    const isRefused = this.status.refusal !== null;
    const isOnline = page.isOnline();
    if (isOnline !== this.status.isOnline) {
      this.feed({ type: 'network', isOnline });
      if (isOnline && !this.status.isOpen && !isRefused) {
        this.attempts = 0;
        this.open();
      }
    }
    if (!this.options.closeWhenHidden) return;
    const isHidden = page.isHidden();
    if (isHidden === this.status.isSuspended) return;
    if (isHidden) this.stop();
    this.feed({ type: 'suspend', isSuspended: isHidden });
    // Back in view: a new stream from the last id seen catches up on what was missed.
    if (!isHidden && this.status.isOnline && !isRefused) this.open();
  }

  private fail(code: SpoolStreamError['code'], message: string): void {
    const error = new SpoolStreamError(code, message);
    this.update({ error });
    this.options.onError?.(error);
  }

  private feed(input: StatusInput): void {
    const previous = this.status.status;
    this.status = reduceStatus(this.status, input);
    const status = this.status.status;
    if (status === previous) return;
    this.update({ status });
    reportStatusChange(this.options, status, previous);
  }

  private update(patch: Partial<SpoolStreamState>): void {
    this.store.set({ ...this.store.get(), ...patch });
  }
}

/** The state a stream starts in, before any frame (shared with the tab-shared stream). */
export function initialStreamState(
  url: string,
  status: StreamStatus,
  lastEventId: string | null | undefined,
  spools: SpoolStreamState['spools'] | undefined,
): SpoolStreamState {
  return {
    status,
    spools: spools ?? new Map(),
    lastEvent: null,
    lastEventId: lastEventId ?? null,
    lastEventAt: null,
    lastFrameAt: null,
    resync: null,
    error: null,
    url,
  };
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

function parse<T>(data: string): Partial<T> {
  try {
    const value: unknown = JSON.parse(data);
    return value !== null && typeof value === 'object' ? (value as Partial<T>) : {};
  } catch {
    return {};
  }
}
