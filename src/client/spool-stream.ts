/**
 * One live view of the plant over a native EventSource: status, spools and the last event,
 * with resume that never loses its place. The IO shell around the pure pieces (status.ts,
 * backoff.ts, spool-store.ts): it owns the EventSource, the watchdog timer and the page
 * listeners, and everything it depends on is injectable so tests drive it with a fake
 * EventSource and a fake clock.
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
  streamUrl,
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

/** Why a stream was replaced or failed, with a stable code. */
export class SpoolStreamError extends Error {
  constructor(
    readonly code: 'stream_dropped' | 'stream_refused' | 'stream_silent',
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
  /** The newest id seen (snapshot `as_of` or event id): the resume cursor. */
  lastEventId: string | null;
  /** When the last snapshot or event arrived (ms since epoch, client clock). */
  lastEventAt: number | null;
  /** When the last frame of any kind arrived. */
  lastFrameAt: number | null;
  /** The last `resync` reason, until the next connect. */
  resync: string | null;
  error: SpoolStreamError | null;
  /** The URL of the current stream. */
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
  withCredentials?: boolean;
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
}

/** A live view of the spools over one EventSource at a time. */
export class SpoolStream {
  private readonly store: StateStore<SpoolStreamState>;
  private status = initialStatusState();
  private readonly urls: string[];
  private readonly clock: Clock;
  private readonly makeSource: EventSourceFactory;
  private source: EventSourceLike | null = null;
  private watchdog: unknown = null;
  private reopenTimer: unknown = null;
  private urlIndex = 0;
  private attempts = 0;
  private heartbeatMs: number;
  private serverRetryMs: number | null = null;
  private isClosed = false;
  private readonly unlisten: () => void;

  constructor(
    url: string,
    private readonly options: SpoolStreamOptions = {},
  ) {
    this.urls = [url, ...(options.alternates ?? [])];
    this.clock = options.clock ?? browserClock;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
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
    );
    this.update({ url });
    this.feed({ type: 'opening' });
    const source = this.makeSource(url, { withCredentials: this.options.withCredentials ?? false });
    this.source = source;
    const on = (type: string, handle: (event: MessageEvent<string>) => void) =>
      source.addEventListener(type, (event) => {
        if (this.source !== source) return; // a late event of a replaced stream
        this.onFrame();
        handle(event);
      });
    on('connected', (e) => this.onConnected(e.data));
    on('heartbeat', (e) =>
      this.feed({ type: 'frame', bus: parse<{ bus?: 'ok' | 'down' }>(e.data).bus }),
    );
    on('snapshot', (e) => this.onSnapshot(e));
    on('spool_update', (e) => this.onUpdate(e.data));
    on('resync', (e) =>
      this.update({ resync: parse<{ reason?: string }>(e.data).reason ?? 'resync' }),
    );
    source.addEventListener('error', () => {
      if (this.source === source) this.onError(source);
    });
    this.arm();
  }

  private stop(): void {
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
    this.update({ resync: null, error: null });
    this.feed({ type: 'frame', bus: info.bus, isConnected: true });
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

  private onError(source: EventSourceLike): void {
    // CONNECTING: the browser retries by itself (honouring `retry:`), with Last-Event-ID.
    // CLOSED: it gave up (non-200, wrong content type): our own backoff takes over.
    const isGivenUp = source.readyState === EVENT_SOURCE_CLOSED;
    this.feed({ type: 'dropped', isGivenUp });
    if (isGivenUp) {
      this.fail('stream_refused', 'the stream was refused; retrying with backoff');
      this.reopenLater();
    } else {
      this.fail('stream_dropped', 'the stream dropped; the browser is reconnecting');
    }
  }

  private onPage(page: PageSignals): void {
    if (this.isClosed) return;
    const isOnline = page.isOnline();
    if (isOnline !== this.status.isOnline) {
      this.feed({ type: 'network', isOnline });
      if (isOnline && !this.status.isOpen) {
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
    if (!isHidden && this.status.isOnline) this.open();
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
