/**
 * When to cut a client (docs/contract.md §2): no progress for the whole send timeout while data was
 * waiting, or more pending data than the cap. Progress means bytes the socket accepted since
 * the last look — a steady reader that lags during a burst keeps making progress and stays.
 */

/** What the hub remembers about one client between sweeps. */
export interface ProgressState {
  /** Bytes handed to the client stream so far. */
  writtenBytes: number;
  /** Bytes that had left the process buffers at the last look. */
  flushedBytes: number;
  lastProgressAtMs: number;
}

/** Limits from config. */
export interface SlowClientLimits {
  sendTimeoutMs: number;
  maxBufferedBytes: number;
}

export type Verdict = 'ok' | 'send_timeout' | 'buffer_overflow';

/**
 * Judges a client from its pending byte count at `nowMs`; returns the verdict and the
 * updated progress fields (the caller stores them).
 */
export function judgeClient(
  state: ProgressState,
  pendingBytes: number,
  nowMs: number,
  limits: SlowClientLimits,
): { verdict: Verdict; flushedBytes: number; lastProgressAtMs: number } {
  const flushedBytes = state.writtenBytes - pendingBytes;
  const progressed = pendingBytes === 0 || flushedBytes > state.flushedBytes;
  const lastProgressAtMs = progressed ? nowMs : state.lastProgressAtMs;
  let verdict: Verdict = 'ok';
  if (pendingBytes > limits.maxBufferedBytes) verdict = 'buffer_overflow';
  else if (nowMs - lastProgressAtMs >= limits.sendTimeoutMs) verdict = 'send_timeout';
  return { verdict, flushedBytes, lastProgressAtMs };
}
