/**
 * Bounded waits, the one copy for the gateway (and, re-exported by support/deadline.ts, for
 * the tests and the bench): never leave a caller hanging on a peer that does not answer.
 */

/** Settles like `promise`, or rejects with `onTimeout()` once `timeoutMs` has passed. */
export function settleWithin<T>(
  promise: PromiseLike<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, timeoutMs));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** `settleWithin` with the message "<what> did not answer within <ms> ms". */
export function withTimeout<T>(
  work: PromiseLike<T>,
  timeoutMs: number,
  what = 'redis',
): Promise<T> {
  return settleWithin(
    work,
    timeoutMs,
    () => new Error(`${what} did not answer within ${Math.round(timeoutMs)} ms`),
  );
}

/** A pause that never keeps the process alive (a retry back-off, not synchronisation). */
export function pause(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}
