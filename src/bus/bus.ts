/**
 * The Bus seam: where stored events come from and where new ones are stored. Two
 * implementations with the same behaviour: Redis (many replicas) and memory (embedded,
 * one instance). The pipeline only sees this interface.
 */
import type { RejectReason } from '../domain/spool-event.js';

/** An event that has its id: stored in the history and announced to every gateway. */
export interface StoredMessage {
  id: string;
  storedAtMs: number;
  payload: string;
  /** process.hrtime-based receive instant (ms), for the receive→write latency metric. */
  receivedAtPerfMs: number;
}

/** A plain message from `SPOOLS_CHANNEL` (older producers), waiting to be claimed. */
export interface PlainMessage {
  payload: string;
  receivedAtPerfMs: number;
}

/** A plain message after validation, ready to be claimed by exactly one gateway. */
export interface ClaimItem {
  payload: string;
  /** Same on every replica for the same message: content hash plus occurrence number. */
  claimKey: string;
  /** Set when validation rejected it: it is claimed into the dead-letter store instead. */
  rejected?: { reason: RejectReason; detail: string };
}

/** A rejected message kept for inspection. */
export interface DeadLetter {
  reason: RejectReason;
  detail: string;
  payload: string;
  source: 'redis' | 'http' | 'stored';
  atMs: number;
}

export type BusStatus = 'ok' | 'down';

/** Result of storing: errors are values (the publisher never throws). */
export type StoreResult = { ok: true; id: string } | { ok: false; reason: string };

/** What the pipeline hands the bus at start. */
export interface BusHandlers {
  /** Stored events in storage order, in batches as they arrive. */
  onStored(batch: StoredMessage[]): void;
  /** Plain producer messages in arrival order (Redis only). */
  onPlain(batch: PlainMessage[]): void;
  /** Called on every connection state change. */
  onStatus(status: BusStatus): void;
}

/** The event bus a gateway runs on. */
export interface Bus {
  readonly kind: 'redis' | 'memory';
  /** Subscribes; resolves once the first subscription is confirmed. */
  start(handlers: BusHandlers): Promise<void>;
  /** Stores and announces one validated event (publisher path). */
  store(payload: string): Promise<StoreResult>;
  /** Stores the claimed plain messages in order; each lands once across all replicas. */
  claim(items: ClaimItem[]): Promise<void>;
  /** Keeps a rejected message for inspection (capped). Never rejects. */
  deadLetter(entry: DeadLetter): Promise<void>;
  /** Most recent dead letters, newest last (for tests and operators). */
  readDeadLetters(count: number): Promise<DeadLetter[]>;
  status(): BusStatus;
  stop(): Promise<void>;
}
