/**
 * A trial SSE stream, opened now and then while the client is on long-poll, to learn
 * whether the path streams again (the proxy was fixed, the tablet moved to another
 * network). It starts live (no cursor, no snapshot: events keep coming through long-poll),
 * is judged by the rules of any stream (sse-attempt.ts), and closes as soon as it has shown
 * that frames flow — the switch back opens a real stream from the last position — or that
 * they do not.
 */
import type { Clock } from './browser-env.js';
import { SseAttempt, type SseAttemptOptions } from './sse-attempt.js';
import type { TransportHost } from './transport-host.js';
import { type TransportSettings, trialDelayMs } from './transport-policy.js';

/** What a trial needs: an attempt's options, with the URL before its token. */
export interface SseTrialOptions extends Omit<SseAttemptOptions, 'target' | 'isWatched'> {
  url: string;
}

/** One trial; `onResult` is called once, unless it is closed first. */
export class SseTrial {
  private attempt: SseAttempt | null = null;
  private deadline: unknown = null;
  private isOver = false;
  private heartbeatMs: number;

  constructor(
    private readonly options: SseTrialOptions,
    private readonly onResult: (isProven: boolean) => void,
  ) {
    this.heartbeatMs = options.heartbeatMs;
  }

  /** Opens the trial stream (with a fresh token in query-token mode). */
  start(): void {
    // The first frame is due as on any stream; after it, a frame within two heartbeats.
    this.arm(this.options.settings.firstFrameTimeoutMs);
    this.options.access.resolve(
      this.options.url,
      (target) => {
        if (this.isOver) return;
        this.attempt = new SseAttempt({ ...this.options, target, isWatched: true }, this.host());
      },
      () => this.finish(false),
    );
  }

  /** Ends the trial without a result. */
  close(): void {
    this.isOver = true;
    this.attempt?.close();
    this.options.clock.clearTimeout(this.deadline);
  }

  private finish(isProven: boolean): void {
    if (this.isOver) return;
    this.close();
    this.onResult(isProven);
  }

  private arm(ms: number): void {
    this.options.clock.clearTimeout(this.deadline);
    this.deadline = this.options.clock.setTimeout(() => this.finish(false), ms);
  }

  /** Only timing matters: data is long-poll's job, and any failure ends the trial. */
  private host(): TransportHost {
    const fail = () => this.finish(false);
    const ignore = () => undefined;
    return {
      up: (info) => {
        this.heartbeatMs = info.heartbeatMs ?? this.heartbeatMs;
        this.arm(2 * this.heartbeatMs);
      },
      alive: () => this.arm(2 * this.heartbeatMs),
      proven: () => this.finish(true),
      snapshot: ignore,
      event: ignore,
      position: ignore,
      resync: fail,
      reauth: fail,
      dropped: fail,
      givenUp: fail,
      failed: fail,
      refused: fail,
      heldBack: fail,
    };
  }
}

/**
 * The trials of one stream while it is on long-poll: one at a time, each after
 * `trialDelayMs` (growing with every failed one), until one proves SSE flows.
 */
export class SseTrials {
  private trial: SseTrial | null = null;
  private timer: unknown = null;
  private failures = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: TransportSettings,
    /** A trial's options, read when it starts (the current URL, heartbeat period, token). */
    private readonly optionsNow: () => SseTrialOptions,
    private readonly random: (() => number) | undefined,
    private readonly onProven: () => void,
  ) {}

  /** Schedules the next trial unless one is scheduled or running. */
  schedule(): void {
    if (this.trial !== null || this.timer !== null) return;
    const delayMs = trialDelayMs(this.failures, this.settings, this.random);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.trial = new SseTrial(this.optionsNow(), (isProven) => this.onResult(isProven));
      this.trial.start();
    }, delayMs);
  }

  /** Cancels the scheduled or running trial (the count of failed ones is kept). */
  stop(): void {
    this.trial?.close();
    this.trial = null;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private onResult(isProven: boolean): void {
    this.trial = null;
    if (isProven) {
      this.failures = 0;
      this.onProven();
      return;
    }
    this.failures += 1;
    this.schedule();
  }
}
