/**
 * One live view of the plant — status, spools, the last event — with resume that never
 * loses its place, over SSE, or over long-poll while a proxy holds SSE back. The IO shell
 * around the pure pieces (status.ts, stream-state.ts, transport-policy.ts, backoff.ts,
 * stream-query.ts): it runs one transport at a time (sse-attempt.ts or
 * long-poll-reader.ts), an SSE trial while on long-poll (sse-trial.ts), the watchdog and
 * the page listeners, and decides every retry and switch. Everything it depends on is
 * injectable, so tests drive it with a fake EventSource, fetch, clock and probe.
 */
import {
  browserClock,
  browserEventSource,
  browserPageSignals,
  type Clock,
  fetchHttp,
  type PageSignals,
} from './browser-env.js';
import { LongPollReader } from './long-poll-reader.js';
import { ReconnectSchedule } from './reconnect-schedule.js';
import { SseAttempt, type SseAttemptOptions } from './sse-attempt.js';
import { SseTrials } from './sse-trial.js';
import { StateStore } from './state-store.js';
import { initialStatusState, reduceStatus, type StatusInput } from './status.js';
import { type RefusalAnswer, StreamAccess } from './stream-access.js';
import { SpoolStreamError, type SpoolStreamErrorCode } from './stream-error.js';
import { reportStatusChange, type SpoolStreamOptions } from './stream-options.js';
import { readUrlsOf, streamUrl } from './stream-query.js';
import {
  initialStreamState,
  type SpoolStreamState,
  withEvent,
  withPosition,
  withSnapshot,
} from './stream-state.js';
import type { TransportHost } from './transport-host.js';
import {
  countSilentConnects,
  isHeldBackBySilence,
  type TransportSettings,
  transportSettings,
} from './transport-policy.js';

export type { SpoolStreamOptions } from './stream-options.js';

/**
 * A stream told `reauth` sooner than this after it opened was let in with a token at the
 * very end of its life: the gateway admits a token until `exp` + AUTH_CLOCK_SKEW_S and ends
 * its stream then too, so this takes a `getToken` that keeps handing back a token about to
 * expire, or a replica whose clock runs ahead of the one that admitted it. A safety net:
 * that reconnect backs off instead of looping.
 */
export const QUICK_REAUTH_MS = 1000;

/** A live view of the spools over one transport at a time. */
export class SpoolStream {
  private readonly store: StateStore<SpoolStreamState>;
  private status = initialStatusState();
  private readonly schedule: ReconnectSchedule;
  private readonly clock: Clock;
  private readonly access: StreamAccess;
  private readonly settings: TransportSettings;
  private attempt: SseAttempt | null = null;
  private reader: LongPollReader | null = null;
  private readonly trials: SseTrials;
  private watchdog: unknown = null;
  private heartbeatMs: number;
  /** Bumped by every stop: a transport, token or probe answering later is for a dead attempt. */
  private generation = 0;
  private connectedAtMs = 0;
  /** SSE attempts in a row that sent `connected`, then went silent without a heartbeat. */
  private silentConnects = 0;
  private isClosed = false;
  private readonly unlisten: () => void;

  constructor(
    url: string,
    private readonly options: SpoolStreamOptions = {},
  ) {
    this.clock = options.clock ?? browserClock;
    this.schedule = new ReconnectSchedule(
      [url, ...(options.alternates ?? [])],
      this.clock,
      options.backoff,
      options.random,
    );
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.access = new StreamAccess(options);
    this.settings = transportSettings(options.transport);
    this.trials = new SseTrials(
      this.clock,
      this.settings,
      () => ({
        ...this.attemptOptions(),
        url: streamUrl(this.schedule.url, null, false, options.filter),
      }),
      options.random,
      () => this.switchToSse(),
    );
    const { mode } = this.settings;
    const page = options.page === undefined ? browserPageSignals() : options.page;
    this.status = initialStatusState(page?.isOnline() ?? true);
    this.store = new StateStore(
      initialStreamState(url, this.status.status, options.lastEventId, options.initialSpools, {
        epoch: options.epoch ?? null,
        transport: mode === 'auto' ? (options.startTransport ?? 'sse') : mode,
      }),
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
    this.schedule.reset();
    this.open();
  }

  /** Closes the stream for good and removes every listener and timer. */
  close(): void {
    this.isClosed = true;
    this.stop();
    this.trials.stop();
    this.unlisten();
    this.store.clear();
  }

  /** Opens the current transport from the last position, on the current URL. */
  private open(): void {
    if (this.isClosed) return;
    this.stop();
    const base = this.schedule.url;
    const host = this.hostFor(this.generation);
    if (this.store.get().transport === 'long-poll') {
      this.openLongPoll(base, host);
      return;
    }
    const { lastEventId } = this.store.get();
    const url = streamUrl(base, lastEventId, this.options.snapshot ?? true, this.options.filter);
    this.update({ url });
    this.feed({ type: 'opening' });
    // Also a deadline for getToken: one that never answers counts as a silent attempt.
    this.arm();
    const generation = this.generation;
    this.access.resolve(
      url,
      (target) => {
        if (generation !== this.generation) return;
        const isWatched = this.settings.mode === 'auto';
        this.attempt = new SseAttempt({ ...this.attemptOptions(), target, isWatched }, host);
      },
      () =>
        host.failed('token_unavailable', 'getToken gave no token; retrying with backoff', false),
    );
  }

  /** What every SSE attempt of this stream (a trial's too) shares, with the period known now. */
  private attemptOptions(): Omit<SseAttemptOptions, 'target' | 'isWatched'> {
    return {
      makeSource: this.options.eventSource ?? browserEventSource,
      access: this.access,
      clock: this.clock,
      settings: this.settings,
      heartbeatMs: this.heartbeatMs,
    };
  }

  private openLongPoll(base: string, host: TransportHost): void {
    const urls = readUrlsOf(base);
    this.update({ url: urls.streams });
    this.feed({ type: 'opening' });
    this.reader = new LongPollReader(
      {
        urls,
        filter: this.options.filter,
        snapshot: this.options.snapshot ?? true,
        access: this.access,
        http: this.options.http ?? fetchHttp,
        clock: this.clock,
        requestTimeoutMs: this.settings.requestTimeoutMs,
        position: () => this.store.get(),
      },
      host,
    );
    this.reader.start();
    if (this.settings.mode === 'auto') this.trials.schedule();
  }

  /** What the current transport reports; a replaced one (older generation) is ignored. */
  private hostFor(generation: number): TransportHost {
    const isCurrent = () => generation === this.generation && !this.isClosed;
    return {
      up: (info) => isCurrent() && this.onUp(info),
      alive: (bus) => isCurrent() && this.onAlive(bus),
      snapshot: (snapshot) =>
        isCurrent() && this.store.set(withSnapshot(this.store.get(), snapshot, this.clock.now())),
      event: (event) => {
        const next = isCurrent() && withEvent(this.store.get(), event, this.clock.now());
        if (!next) return;
        this.store.set(next);
        this.options.onMessage?.(event);
      },
      position: (position) => {
        const next = isCurrent() && withPosition(this.store.get(), position);
        if (next && next !== this.store.get()) this.store.set(next);
      },
      resync: (reason) => isCurrent() && this.update({ resync: reason }),
      reauth: () => isCurrent() && this.onReauth(),
      dropped: (isGivenUp) => isCurrent() && this.onDropped(isGivenUp),
      givenUp: (hasConnected, target) => isCurrent() && this.onGivenUp(hasConnected, target),
      failed: (code, message, isSilent) => isCurrent() && this.onFailed(code, message, isSilent),
      refused: (answer) => isCurrent() && this.onRefused(answer),
      heldBack: (reason) => isCurrent() && this.fallBack(reason),
    };
  }

  private stop(): void {
    this.generation += 1;
    this.attempt?.close();
    this.attempt = null;
    this.reader?.stop();
    this.reader = null;
    this.clock.clearTimeout(this.watchdog);
    this.watchdog = null;
    this.schedule.cancel();
  }

  /** Replaces the transport after a backoff delay, on the next URL, from the last position. */
  private reopenLater(): void {
    this.stop();
    this.schedule.later(() => this.open());
  }

  /**
   * No SSE frame for 2 heartbeat periods means the stream is dead, whatever it claims;
   * before `connected`, the first-frame rule gets its time first. Streams that sent
   * `connected` and then nothing, twice in a row, are held back: a proxy let `connected`
   * through with a replay or a snapshot that filled its buffer, and holds the rest.
   */
  private arm(): void {
    const isWatched = this.settings.mode === 'auto';
    const graceMs = isWatched && !this.status.isOpen ? this.settings.firstFrameTimeoutMs : 0;
    this.clock.clearTimeout(this.watchdog);
    this.watchdog = this.clock.setTimeout(
      () => {
        this.silentConnects = countSilentConnects(
          this.silentConnects,
          this.attempt?.isSilentSinceConnected ?? false,
        );
        if (isWatched && isHeldBackBySilence(this.silentConnects)) {
          this.silentConnects = 0;
          this.fallBack('streams sent connected, then nothing');
          return;
        }
        this.feed({ type: 'silent' });
        this.fail('stream_silent', `no frame for ${2 * this.heartbeatMs} ms`);
        this.reopenLater();
      },
      2 * this.heartbeatMs + graceMs,
    );
  }

  private onUp(info: { bus?: 'ok' | 'down'; heartbeatMs?: number; retryMs?: number }): void {
    this.heartbeatMs = info.heartbeatMs ?? this.heartbeatMs;
    this.schedule.reset(info.retryMs);
    this.connectedAtMs = this.clock.now();
    this.update({ resync: null, error: null });
    this.feed({ type: 'frame', bus: info.bus, isConnected: true });
    if (this.attempt) this.arm();
  }

  private onAlive(bus: 'ok' | 'down' | undefined): void {
    this.update({ lastFrameAt: this.clock.now() });
    // Long-poll answers come at most LONG_POLL_TIMEOUT_S apart; the reader times each one.
    if (this.attempt) this.arm();
    if (bus === undefined) return;
    this.silentConnects = 0; // a heartbeat came through
    this.feed({ type: 'frame', bus });
  }

  /** SSE is held back on the way: long-poll from the last position, SSE again later. */
  private fallBack(reason: string): void {
    this.stop();
    this.update({ transport: 'long-poll' });
    this.fail('stream_buffered', `${reason}: switching to long-poll, trying SSE again later`);
    this.schedule.reset();
    this.open();
  }

  /** A trial proved SSE flows: back to SSE, a stream from the last position. */
  private switchToSse(): void {
    this.update({ transport: 'sse' });
    this.schedule.reset();
    this.open();
  }

  /**
   * The token expired and the gateway is ending the stream (or refused a long-poll read).
   * Closed here, before the browser would reconnect by itself with the expired token;
   * reopened from the last id with a fresh token (getToken), after the page's `onReauth`.
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

  private onDropped(isGivenUp: boolean): void {
    this.feed({ type: 'dropped', isGivenUp });
    if (!isGivenUp) this.fail('stream_dropped', 'the stream dropped; the browser is reconnecting');
  }

  private onGivenUp(hasConnected: boolean, target: string): void {
    // The browser's own reconnect of a stream that had opened reused its first URL (and
    // token): a new attempt, with a fresh token, comes first.
    if (hasConnected) {
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

  private onFailed(code: SpoolStreamErrorCode, message: string, isSilent: boolean): void {
    this.feed(isSilent ? { type: 'silent' } : { type: 'dropped', isGivenUp: true });
    this.fail(code, message);
    this.reopenLater();
  }

  /** 401 and 403 wait for the page (a new token, `reconnect()`); anything else backs off. */
  private onRefused(answer: RefusalAnswer | null): void {
    if (answer === null) {
      this.fail('stream_refused', 'the stream was refused; retrying with backoff');
      this.reopenLater();
      return;
    }
    this.stop();
    this.trials.stop();
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
        this.schedule.reset();
        this.open();
      }
    }
    if (!this.options.closeWhenHidden) return;
    const isHidden = page.isHidden();
    if (isHidden === this.status.isSuspended) return;
    if (isHidden) {
      this.stop();
      this.trials.stop();
    }
    this.feed({ type: 'suspend', isSuspended: isHidden });
    // Back in view: a new stream from the last id seen catches up on what was missed.
    if (!isHidden && this.status.isOnline && !isRefused) this.open();
  }

  private fail(code: SpoolStreamErrorCode, message: string): void {
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
