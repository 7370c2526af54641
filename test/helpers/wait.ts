/**
 * Waits on signals, each with a deadline and a message naming what did not happen.
 * Tests never sleep to synchronise: they wait for a condition, an event or a promise.
 * The defaults are generous (20 s) because CI is two shared cores; a deadline only
 * decides how long a broken test takes to fail, never whether a working one passes.
 */
import type { EventEmitter } from 'node:events';
import { settleWithin } from '../../support/deadline.js';

/** Default deadline of every wait in the test helpers, in milliseconds (20 s). */
export const DEFAULT_TIMEOUT_MS = 20_000;

/** Rejection of a wait whose deadline passed; `message` says what was awaited. */
export class WaitTimeoutError extends Error {
  /** Stable code, so callers can tell a missed deadline from a failure of the awaited work. */
  readonly code = 'ERR_WAIT_TIMEOUT';

  constructor(
    readonly timeoutMs: number,
    readonly waitingFor: string,
  ) {
    super(`timed out after ${timeoutMs}ms waiting for: ${waitingFor}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Options of `waitFor`: deadline (default 20 s), poll interval (default 10 ms), message. */
export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

/** Options of `once`: deadline (default 20 s) and the message used on timeout. */
export interface OnceOptions {
  timeoutMs?: number;
  message?: string;
}

/** What a `waitFor` check may return: `undefined`, `null` and `false` mean "not yet". */
export type WaitCheckResult<T> = T | undefined | null | false;

/**
 * Polls `check` every `intervalMs` (default 10) until it returns something other than
 * `undefined`, `null` or `false`, and resolves with that value. Rejects with a
 * `WaitTimeoutError` after `timeoutMs` (default 20 000), also when a single async check
 * hangs; an error thrown by `check` rejects at once. Use it for state that has no event.
 */
export function waitFor<T>(
  check: () => WaitCheckResult<T> | PromiseLike<WaitCheckResult<T>>,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = 10 } = options;
  const message = options.message ?? describeFunction(check);
  return new Promise<T>((resolve, reject) => {
    let isSettled = false;
    let pollTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      isSettled = true;
      clearTimeout(pollTimer);
      reject(new WaitTimeoutError(timeoutMs, message));
    }, timeoutMs);
    const settle = (fn: () => void): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(deadline);
      fn();
    };
    const poll = async (): Promise<void> => {
      try {
        const value = await check();
        if (isSettled) return;
        if (value === undefined || value === null || value === false) {
          pollTimer = setTimeout(poll, intervalMs);
          return;
        }
        settle(() => resolve(value));
      } catch (error) {
        settle(() => reject(error));
      }
    };
    void poll();
  });
}

/**
 * Resolves with the arguments of the first `event` emitted by `emitter`. Rejects on the
 * emitter's `'error'` event (unless `'error'` is the awaited event) and with a
 * `WaitTimeoutError` after `timeoutMs` (default 20 000). Listeners are removed either way.
 */
export function once<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string | symbol,
  options: OnceOptions = {},
): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const message = options.message ?? `'${String(event)}' event`;
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      if (event !== 'error') emitter.off('error', onError);
    };
    const onEvent = (...args: unknown[]): void => {
      cleanup();
      resolve(args as T);
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new WaitTimeoutError(timeoutMs, message));
    }, timeoutMs);
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
  });
}

/**
 * Settles like `promise`, or rejects with a `WaitTimeoutError` naming `message` once
 * `timeoutMs` has passed. The timer is cleared as soon as `promise` settles.
 */
export function withDeadline<T>(
  promise: PromiseLike<T>,
  timeoutMs: number,
  message: string,
): Promise<T> {
  return settleWithin(promise, timeoutMs, () => new WaitTimeoutError(timeoutMs, message));
}

/** A short description of a check for timeout messages when the caller gave none. */
function describeFunction(fn: () => unknown): string {
  const source = String(fn).replace(/\s+/g, ' ').trim();
  return source.length > 160 ? `${source.slice(0, 157)}...` : source;
}
