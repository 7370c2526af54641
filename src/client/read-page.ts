/**
 * One request of a read route (docs/contract.md §3.3), shared by the long-poll reader and
 * the history read (recent-events.ts): a fresh token from the stream's access, then the
 * request and its body, all within one deadline — getToken that never answers and a
 * gateway that never does both end in `late`, so no read hangs.
 */
import type { Clock, HttpClient } from './browser-env.js';
import type { StreamAccess } from './stream-access.js';

/** A read route's answer, its body read (empty for a HEAD). */
export interface PageAnswer {
  status: number;
  body: string;
  header(name: string): string | null;
}

/** What a read needs. */
export interface PageReadOptions {
  access: StreamAccess;
  http: HttpClient;
  clock: Clock;
  /** Longest wait for the answer, getToken included, in ms. */
  requestTimeoutMs: number;
}

/**
 * The answer, or why there is none: `no_token` (getToken gave none), `late` (no answer
 * within the deadline), `failed` (the request failed, or `abort` was aborted; `error` says).
 */
export type PageRead =
  | { ok: true; answer: PageAnswer }
  | { ok: false; why: 'no_token' | 'late' }
  | { ok: false; why: 'failed'; error: unknown };

/** Reads `url` with a fresh token; `abort` (aborted by the caller) ends it early. Never rejects. */
export async function readPage(
  url: string,
  method: 'GET' | 'HEAD',
  options: PageReadOptions,
  abort: AbortController = new AbortController(),
): Promise<PageRead> {
  const { access, clock, http, requestTimeoutMs } = options;
  let isLate = false;
  const timer = clock.setTimeout(() => {
    isLate = true;
    abort.abort();
  }, requestTimeoutMs);
  try {
    const target = await Promise.race([access.target(url), rejectOnAbort(abort.signal)]);
    if (abort.signal.aborted) throw new Error('aborted');
    if (target === null) return { ok: false, why: 'no_token' };
    const answer = await http(target, {
      method,
      withCredentials: access.withCredentials,
      signal: abort.signal,
    });
    const body = method === 'HEAD' ? '' : await answer.text();
    const header = (name: string) => answer.header(name);
    return { ok: true, answer: { status: answer.status, body, header } };
  } catch (error) {
    return isLate ? { ok: false, why: 'late' } : { ok: false, why: 'failed', error };
  } finally {
    clock.clearTimeout(timer);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
}
