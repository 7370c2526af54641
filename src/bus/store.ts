/**
 * The write seam: where prepared events are stored, once across replicas, and announced to
 * every gateway's feed. Memory and Redis implement `EventStore`; only Redis has a producer
 * channel (`PlainChannel`), whose messages the write side prepares and claims.
 */
import type { PreparedEvent } from '../domain/prepare-event.js';
import type { StoreRequest } from '../domain/publish-request.js';
import type { RejectReason } from '../domain/spool-event.js';

export type { StoreRequest };

/**
 * Result of storing: errors are values (the publisher never throws). `refused` is bad input
 * the store could not take (nothing was written: answer 400, never 503); `unavailable` is
 * Redis failing or timing out (the outcome may be unknown: retry with an Idempotency-Key).
 */
export type StoreResult =
  | { ok: true; id: string; isReplay: boolean }
  | { ok: false; kind: 'refused' | 'unavailable'; reason: string };

/** A rejected producer message kept for inspection. */
export interface DeadLetter {
  reason: RejectReason;
  detail: string;
  payload: string;
  /** Where it came from: the producers' Redis channel. */
  source: 'redis';
  atMs: number;
}

/** Stores prepared events (POST, the publisher library). */
export interface EventStore {
  /** Stores and announces one prepared event. */
  store(request: StoreRequest): Promise<StoreResult>;
  /** Most recent dead letters, newest last (for operators and tests). */
  readDeadLetters(count: number): Promise<DeadLetter[]>;
}

/** A plain message from `SPOOLS_CHANNEL` (a producer's PUBLISH), waiting to be claimed. */
export interface PlainMessage {
  /** The message as UTF-8 text; for one refused at the edge, a cut lossy copy to keep. */
  payload: string;
  /** The exact bytes published: the claim key is their hash, the same on every replica. */
  bytes: Buffer;
  /** Set when the bytes could not be taken as text (too large, not UTF-8). */
  refused?: { reason: RejectReason; detail: string };
  receivedAtPerfMs: number;
}

/** A plain message after preparation, to be claimed by exactly one gateway. */
export interface ClaimItem {
  payload: string;
  /** Same on every replica for the same message: content hash plus occurrence number. */
  claimKey: string;
  /** Set when valid: what to store. */
  prepared?: PreparedEvent;
  /** Set when refused: it is claimed into the dead-letter store instead. */
  rejected?: { reason: RejectReason; detail: string };
}

/** What became of a batch of claims. */
export interface ClaimReport {
  /** Items Redis failed on (not stored by this replica; another may have claimed them). */
  failed: number;
  /** Items the store refused as bad input (dead-lettered once across replicas). */
  refused: number;
}

/** The producers' channel: heard by every replica, each message stored once by one. */
export interface PlainChannel {
  /** Sets where plain messages go, in arrival order (before the feed starts). */
  listen(handler: (batch: PlainMessage[]) => void): void;
  /** Stores the prepared messages in order; each lands once across all replicas. */
  claim(items: ClaimItem[]): Promise<ClaimReport>;
}
