/**
 * A deadline on any promise, shared by the test helpers and the Redis starter (and so the
 * bench): settles like `promise`, or rejects with `onTimeout()` once `timeoutMs` has passed.
 * The timer is cleared as soon as `promise` settles.
 */
export function settleWithin<T>(
  promise: PromiseLike<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
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
