/**
 * What the browser client takes from its environment — EventSource, time, page visibility
 * and network, fetch — behind small interfaces, so tests inject fakes and the stream logic
 * never touches a global.
 */

/** The part of EventSource the client uses (the browser's, or a fake in tests). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** Makes an EventSource; the default is the browser's `new EventSource(url, init)`. */
export type EventSourceFactory = (
  url: string,
  init: { withCredentials: boolean },
) => EventSourceLike;

/** The browser's EventSource. */
export const browserEventSource: EventSourceFactory = (url, init) =>
  new EventSource(url, init) as EventSourceLike;

/** Time and timers (the browser's, or a fake clock in tests). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Page signals: visibility and network (the browser's `document` and `window`). */
export interface PageSignals {
  isHidden(): boolean;
  isOnline(): boolean;
  /** Calls `onChange` when visibility or network changes; returns the remover. */
  listen(onChange: () => void): () => void;
}

/** EventSource.readyState when the browser has given up on a stream. */
export const EVENT_SOURCE_CLOSED = 2;

/** The browser's clock. */
export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
};

/** Visibility and network from `document` and `navigator`, or null outside a browser. */
export function browserPageSignals(): PageSignals | null {
  if (typeof document === 'undefined' || typeof window === 'undefined') return null;
  return {
    isHidden: () => document.visibilityState === 'hidden',
    isOnline: () => navigator.onLine !== false,
    listen(onChange) {
      document.addEventListener('visibilitychange', onChange);
      window.addEventListener('online', onChange);
      window.addEventListener('offline', onChange);
      return () => {
        document.removeEventListener('visibilitychange', onChange);
        window.removeEventListener('online', onChange);
        window.removeEventListener('offline', onChange);
      };
    },
  };
}

/** What a HEAD of the stream URL answered: its status and `WWW-Authenticate` challenge. */
export interface ProbeAnswer {
  status: number;
  challenge: string | null;
}

/**
 * Asks the stream URL for its status without opening a stream (`HEAD`, the same auth as
 * `GET`; docs/contract.md §3.1), because EventSource never tells why it gave up. Null when
 * no answer could be read (network error, CORS refusal). The default is a HEAD through the
 * stream's HttpClient (stream-access.ts); this is the override tests inject.
 */
export type StatusProbe = (url: string, withCredentials: boolean) => Promise<ProbeAnswer | null>;

/** The part of a `fetch` answer the long-poll and history reads and the HEAD probe use. */
export interface HttpAnswer {
  status: number;
  header(name: string): string | null;
  text(): Promise<string>;
}

/** One request of the read routes (always simple: GET or HEAD, no custom header). */
export interface HttpRequestInit {
  method: 'GET' | 'HEAD';
  withCredentials: boolean;
  signal: AbortSignal;
}

/** Sends one request; rejects on a network error or when `signal` aborts (a fake in tests). */
export type HttpClient = (url: string, init: HttpRequestInit) => Promise<HttpAnswer>;

/** The browser's `fetch`, with EventSource's credentials mode and no HTTP cache. */
export const fetchHttp: HttpClient = async (url, init) => {
  const response = await fetch(url, {
    method: init.method,
    credentials: init.withCredentials ? 'include' : 'same-origin',
    cache: 'no-store',
    signal: init.signal,
  });
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    text: () => response.text(),
  };
};
