/**
 * What a transport tells the stream that owns it (spool-stream.ts). The SSE attempt
 * (sse-attempt.ts) and the long-poll reader (long-poll-reader.ts) report the same things
 * in the same words, so the owner keeps one set of rules for rows, position, status and
 * retries whichever of the two is running. A transport never decides what happens next.
 */
import type { EnrichedSpoolEvent, SpoolSnapshot } from './spool-store.js';
import type { RefusalAnswer } from './stream-access.js';
import type { SpoolStreamErrorCode } from './stream-error.js';

/** The owner's side of a transport; calls from a replaced transport are ignored by it. */
export interface TransportHost {
  /**
   * Updates can flow: `connected`, or a long-poll session's first answer. `heartbeatMs`
   * only when the gateway named a usable period (a number above 0).
   */
  up(info: { bus?: 'ok' | 'down'; heartbeatMs?: number; retryMs?: number }): void;
  /** A frame or an answer arrived; `bus` when it says (a heartbeat). */
  alive(bus?: 'ok' | 'down'): void;
  /** Every row, replacing what was there (first, or after a resync). */
  snapshot(snapshot: SpoolSnapshot): void;
  /** One event; applied once, whichever transport brought it. */
  event(event: EnrichedSpoolEvent): void;
  /** A newer position with nothing to apply: a heartbeat's id, a long-poll's offset. */
  position(position: { lastEventId?: unknown; offset?: string | null }): void;
  /** The history cannot be continued: a snapshot follows and replaces every row. */
  resync(reason: string): void;
  /** The token expired (`reauth`, or a 401 after answers): reopen with a fresh one. */
  reauth(): void;
  /** The connection failed; `isGivenUp` when nothing retries by itself. */
  dropped(isGivenUp: boolean): void;
  /** The browser gave up on an EventSource: its `target` tells why (HEAD) unless it had connected. */
  givenUp(hasConnected: boolean, target: string): void;
  /** A failure the owner answers with a retry after a backoff. */
  failed(code: SpoolStreamErrorCode, message: string, isSilent: boolean): void;
  /** The gateway refused (401/403, with why); null: refused, why unknown. */
  refused(answer: RefusalAnswer | null): void;
  /** Frames are held back on the way (a buffering proxy): switch to long-poll. */
  heldBack(reason: string): void;
  /** A trial stream showed that frames flow (only trials listen). */
  proven?(): void;
}
