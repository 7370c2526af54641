/**
 * A stream that stays open: `GET /api/sse/stream` over fetch, parsed by eventsource-parser,
 * reconnected after a drop with the last id seen as `Last-Event-ID` after the server's
 * `retry:` (or a capped backoff after errors), and dropped when no frame arrived for two
 * heartbeat periods (docs/contract.md §2.3 "stale").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { describeError } from './describe-error.js';
import { retryDelayMs } from './retry-delay.js';
import type { TailFrame } from './tail-view.js';

/** What the session needs: where to connect, with which headers, and whom to tell. */
export interface SseSessionOptions {
  /** The stream URL for a connection; `hasCursor` says whether Last-Event-ID is sent. */
  urlFor(hasCursor: boolean): string;
  /** Extra request headers (the token). */
  headers: Record<string, string>;
  /** The id to start after, or null. */
  from: string | null;
  /** Each frame, in order. */
  onFrame(frame: TailFrame): void;
  /** Before each wait to reconnect. */
  onReconnecting(reason: string, delayMs: number, lastEventId: string | null): void;
  /** Aborting it ends the session (resolves `run`). */
  signal: AbortSignal;
}

/** Why a session ended: stopped by its signal, or refused for good (401, 403, another 4xx). */
export type SessionEnd = { kind: 'stopped' } | { kind: 'refused'; status: number; message: string };

/** Default wait before reconnecting when the server sent no `retry:` (SSE_RETRY_MS's default). */
const DEFAULT_RETRY_MS = 2000;
/** A stream counts as stale after this many heartbeat periods without a frame. */
const STALE_HEARTBEATS = 2;

/** Runs connections until `signal` aborts or the gateway refuses the request. */
export async function runSseSession(options: SseSessionOptions): Promise<SessionEnd> {
  let lastEventId = options.from;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  while (!options.signal.aborted) {
    const connection = new AbortController();
    const stop = () => connection.abort();
    options.signal.addEventListener('abort', stop, { once: true });
    let staleTimer: NodeJS.Timeout | undefined;
    let heartbeatMs: number | null = null;
    let isStale = false;
    const armStaleTimer = () => {
      clearTimeout(staleTimer);
      if (heartbeatMs === null) return;
      staleTimer = setTimeout(() => {
        isStale = true;
        connection.abort();
      }, heartbeatMs * STALE_HEARTBEATS);
    };
    let reason: string;
    let delayMs: number;
    try {
      const response = await fetch(options.urlFor(lastEventId !== null), {
        headers: {
          accept: 'text/event-stream',
          ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
          ...options.headers,
        },
        signal: connection.signal,
      });
      if (response.status !== 200 || response.body === null) {
        const body = await response.text().catch(() => '');
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          return { kind: 'refused', status: response.status, message: body.slice(0, 300) };
        }
        reason = `the gateway answered ${response.status}`;
        delayMs = retryDelayMs(failures++, response.headers.get('retry-after'));
      } else {
        const parser = createParser({
          onEvent: (message) => {
            if (message.id !== undefined) lastEventId = message.id;
            const frame: TailFrame = {
              event: message.event ?? 'message',
              id: message.id,
              data: message.data,
            };
            if (frame.event === 'connected') {
              failures = 0;
              heartbeatMs = heartbeatOf(frame.data);
            }
            armStaleTimer();
            options.onFrame(frame);
          },
          onRetry: (ms) => {
            retryMs = ms;
          },
        });
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          parser.feed(decoder.decode(read.value, { stream: true }));
          if (options.signal.aborted) break;
        }
        await reader.cancel().catch(() => undefined);
        reason = 'the stream ended';
        delayMs = retryMs;
      }
    } catch (error) {
      if (options.signal.aborted) break;
      reason = isStale
        ? `no frame for ${STALE_HEARTBEATS} heartbeat periods`
        : describeError(error);
      delayMs = isStale ? 0 : Math.max(retryMs, retryDelayMs(failures++, null));
    } finally {
      clearTimeout(staleTimer);
      options.signal.removeEventListener('abort', stop);
    }
    if (options.signal.aborted) break;
    options.onReconnecting(reason, delayMs, lastEventId);
    await sleep(delayMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return { kind: 'stopped' };
}

function heartbeatOf(data: string): number | null {
  try {
    const value = (JSON.parse(data) as { heartbeat_ms?: unknown }).heartbeat_ms;
    return typeof value === 'number' && value > 0 ? value : null;
  } catch {
    return null;
  }
}
