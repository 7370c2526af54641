/**
 * When the browser client leaves SSE for long-poll, and when it goes back (pure). A proxy
 * that buffers `text/event-stream` (it ignores `X-Accel-Buffering: no`, or gzips the
 * stream) holds the stream's frames, and often its headers, until its buffers fill: the
 * first frame is overdue, or frames arrive late and in bursts. Both are judged here from
 * numbers the shell (sse-attempt.ts) hands in; a trial stream must then show that frames
 * flow before the client switches back. Options and defaults: docs/client.md.
 */
import { backoffDelayMs } from './backoff.js';

/** How a stream reaches the page: the SSE stream, or long-poll reads of the streams API. */
export type Transport = 'sse' | 'long-poll';

/** The `transport` option of a stream; every field has a default. */
export interface TransportOptions {
  /** `auto` (default): SSE, long-poll while SSE is held back; `sse` or `long-poll`: only that. */
  mode?: 'auto' | Transport;
  /** Longest wait for a new stream's first frame before it counts as held back (default 5000 ms). */
  firstFrameTimeoutMs?: number;
  /**
   * How much later than another frame of its stream one may arrive, against the server's
   * clock, before the stream counts as held back (default: one heartbeat period, at least
   * 5000 ms).
   */
  lateFrameMs?: number;
  /** First wait on long-poll before SSE is tried again (default 300 000 ms), doubled per failed trial. */
  sseRetryMs?: number;
  /** Longest wait between two SSE trials (default 1 800 000 ms). */
  sseRetryMaxMs?: number;
  /** Heartbeats a trial stream must deliver on time before the client switches back (default 2). */
  proofHeartbeats?: number;
  /** Longest wait for one long-poll answer (default 60 000 ms; keep it above LONG_POLL_TIMEOUT_S). */
  requestTimeoutMs?: number;
}

/** The options with their defaults filled in (`lateFrameMs` null: from the heartbeat period). */
export type TransportSettings = Required<Omit<TransportOptions, 'lateFrameMs'>> & {
  lateFrameMs: number | null;
};

/** Resolves the defaults of `options`. */
export function transportSettings(options: TransportOptions = {}): TransportSettings {
  return {
    mode: options.mode ?? 'auto',
    firstFrameTimeoutMs: options.firstFrameTimeoutMs ?? 5000,
    lateFrameMs: options.lateFrameMs ?? null,
    sseRetryMs: options.sseRetryMs ?? 300_000,
    sseRetryMaxMs: options.sseRetryMaxMs ?? 1_800_000,
    proofHeartbeats: options.proofHeartbeats ?? 2,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
  };
}

/**
 * The timed frames (`connected`, `heartbeat`, which carry `server_time`) of one response:
 * the smallest and largest arrival − server time seen. Clock offsets cancel out; what is
 * left is how much longer one frame was held than another.
 */
export interface FrameTiming {
  minSkewMs: number;
  maxSkewMs: number;
  /** Timed frames seen. */
  frames: number;
}

/** Adds one frame that arrived at `arrivalMs` (client clock) stamped `serverTime` (ISO). */
export function observeFrame(
  timing: FrameTiming | null,
  arrivalMs: number,
  serverTime: unknown,
): FrameTiming | null {
  const serverMs = typeof serverTime === 'string' ? Date.parse(serverTime) : Number.NaN;
  if (Number.isNaN(serverMs)) return timing;
  const skewMs = arrivalMs - serverMs;
  if (timing === null) return { minSkewMs: skewMs, maxSkewMs: skewMs, frames: 1 };
  return {
    minSkewMs: Math.min(timing.minSkewMs, skewMs),
    maxSkewMs: Math.max(timing.maxSkewMs, skewMs),
    frames: timing.frames + 1,
  };
}

/** How much later than another a frame may arrive before the stream counts as held back. */
export function lateFrameLimitMs(settings: TransportSettings, heartbeatMs: number): number {
  return settings.lateFrameMs ?? Math.max(5000, heartbeatMs);
}

/** True when one frame arrived more than the limit later than another (a buffered burst). */
export function isHeldBack(
  timing: FrameTiming | null,
  settings: TransportSettings,
  heartbeatMs: number,
): boolean {
  if (timing === null) return false;
  return timing.maxSkewMs - timing.minSkewMs > lateFrameLimitMs(settings, heartbeatMs);
}

/** A trial stream proved that frames flow: `connected` and enough heartbeats, none held back. */
export function isProven(
  timing: FrameTiming | null,
  settings: TransportSettings,
  heartbeatMs: number,
): boolean {
  return (
    timing !== null &&
    timing.frames >= 1 + settings.proofHeartbeats &&
    !isHeldBack(timing, settings, heartbeatMs)
  );
}

/**
 * What an overdue first frame means. A response that started (EventSource `open`) and
 * sends nothing is held back. A request with no response yet is held back too when a HEAD
 * of the same URL answers 200 at once (a proxy holds the headers with the body; the
 * gateway sends both together); a 401/403 is a refusal; anything else is a gateway that
 * cannot be reached, left to the watchdog.
 */
export function overdueVerdict(
  hasResponse: boolean,
  headStatus: number | null,
): 'held_back' | 'refused' | 'unknown' {
  if (hasResponse || headStatus === 200) return 'held_back';
  if (headStatus === 401 || headStatus === 403) return 'refused';
  return 'unknown';
}

/**
 * Silent SSE attempts in a row (the watchdog fired) that had sent `connected` and then not
 * one heartbeat. A buffer that a replay or a snapshot filled lets `connected` through and
 * holds what follows; a frozen gateway or a dead socket after a healthy stream does not
 * look like this twice in a row.
 */
export function countSilentConnects(count: number, isSilentSinceConnected: boolean): number {
  return isSilentSinceConnected ? count + 1 : 0;
}

/** Two such attempts in a row: the stream is held back. */
export function isHeldBackBySilence(silentConnects: number): boolean {
  return silentConnects >= 2;
}

/**
 * The wait on long-poll before SSE trial number `failedTrials` (0 for the first):
 * `sseRetryMs` doubling per failed trial up to `sseRetryMaxMs`, at a random point in the
 * upper half so a site's screens do not all try at once.
 */
export function trialDelayMs(
  failedTrials: number,
  settings: TransportSettings,
  random: () => number = Math.random,
): number {
  return backoffDelayMs(
    failedTrials,
    { baseMs: settings.sseRetryMs, maxMs: settings.sseRetryMaxMs },
    null,
    random,
  );
}
