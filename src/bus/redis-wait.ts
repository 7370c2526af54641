/**
 * Bounded waits on Redis, shared by the bus and the publisher: never leave a caller
 * hanging on a Redis that does not answer, and never leave listeners behind.
 */
import type { Redis } from 'ioredis';

/** Rejects with "redis did not answer within <ms> ms" if `work` has not settled by then. */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`redis did not answer within ${timeoutMs} ms`)),
      Math.max(0, timeoutMs),
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves true once `client` is ready, false after `timeoutMs` (without one it waits as long
 * as it takes); the 'ready' listener is removed either way.
 */
export async function waitForReady(client: Redis, timeoutMs?: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const finish = (isReady: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(isReady);
    };
    const onReady = () => finish(true);
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => finish(false), Math.max(0, timeoutMs));
    client.once('ready', onReady);
  });
}
