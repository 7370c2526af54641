/**
 * The Bus seam: where stored events come from and where new ones are stored. Two
 * implementations with the same behaviour: Redis (many replicas) and memory (embedded,
 * one instance). The pipeline only sees this interface.
 */
import type { BusHealth } from '../domain/bus-health.js';
import type { PublishRequest } from '../domain/publish-request.js';
import type { RejectReason } from '../domain/spool-event.js';
import type { SpoolState } from '../domain/spool-state.js';

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
  /** The message as UTF-8 text; for one refused at the edge, a cut lossy copy to keep. */
  payload: string;
  /** The exact bytes published: the claim key is their hash, the same on every replica. */
  bytes: Buffer;
  /** Set when the bytes could not be taken as text (too large, not UTF-8). */
  refused?: { reason: RejectReason; detail: string };
  receivedAtPerfMs: number;
}

/** A validated event to store, with the state patch applied atomically with it. */
export type StoreRequest = PublishRequest;

/** A plain message after validation, ready to be claimed by exactly one gateway. */
export interface ClaimItem {
  payload: string;
  /** Same on every replica for the same message: content hash plus occurrence number. */
  claimKey: string;
  /** Set when valid: what to store. */
  store?: Omit<StoreRequest, 'payload'>;
  /** Set when validation rejected it: it is claimed into the dead-letter store instead. */
  rejected?: { reason: RejectReason; detail: string; source?: DeadLetter['source'] };
}

/** One history: ids from another epoch mean nothing here (a Redis that lost its data). */
export interface Epoch {
  id: string;
  /** True when this history began after data was lost: its state may miss spools. */
  isIncomplete: boolean;
}

/** Current state of every spool as of one event id. */
export interface Snapshot {
  epoch: string;
  /** The last event folded into `spools`; stream from here on to stay current. */
  as_of: string;
  incomplete: boolean;
  spools: SpoolState[];
}

/** Why a cursor cannot be resumed from. */
export type ResyncReason = 'cursor_too_old' | 'unknown_cursor';

/** Events after a cursor, oldest first; or why there is no such list. */
export type ReadAfterResult =
  | { ok: true; events: StoredMessage[] }
  | { ok: false; reason: ResyncReason | 'unavailable' };

/** A rejected message kept for inspection. */
export interface DeadLetter {
  reason: RejectReason;
  detail: string;
  payload: string;
  source: 'redis' | 'http' | 'stored';
  atMs: number;
}

/** Whether events can flow end to end (the domain's BusHealth). */
export type BusStatus = BusHealth;

/**
 * Result of storing: errors are values (the publisher never throws). `refused` is bad input
 * the store could not take (nothing was written: answer 400, never 503); `unavailable` is
 * Redis failing or timing out (the outcome may be unknown: retry with an Idempotency-Key).
 */
export type StoreResult =
  | { ok: true; id: string; isReplay: boolean }
  | { ok: false; kind: 'refused' | 'unavailable'; reason: string };

/** What became of a batch of claims; refused ones were dead-lettered by the bus already. */
export interface ClaimReport {
  /** Items Redis failed on (not stored by this replica; another may have claimed them). */
  failed: number;
  /** Indexes of items the store refused as bad input (dead-lettered once across replicas). */
  refused: number[];
}

/** What the pipeline hands the bus at start. */
export interface BusHandlers {
  /** Stored events in storage order, in batches as they arrive. */
  onStored(batch: StoredMessage[]): void;
  /** Plain producer messages in arrival order (Redis only). */
  onPlain(batch: PlainMessage[]): void;
  /** Called on every connection state change. */
  onStatus(status: BusStatus): void;
  /**
   * Called when this gateway cannot continue the sequence: the history was replaced (Redis
   * lost its data, new epoch) or it missed events that were trimmed before it could read
   * them. Every client must resync.
   */
  onHistoryBreak(epoch: Epoch): void;
}

/** The event bus a gateway runs on. */
export interface Bus {
  readonly kind: 'redis' | 'memory';
  /** Subscribes; resolves once the first subscription is confirmed. */
  start(handlers: BusHandlers): Promise<void>;
  /** Stores and announces one validated event (publisher path). */
  store(request: StoreRequest): Promise<StoreResult>;
  /** Every stored event after `cursor` (exclusive), or why the cursor cannot be used. */
  readAfter(cursor: string): Promise<ReadAfterResult>;
  /** Current state of every spool, consistent with one event id; null while unavailable. */
  snapshot(): Promise<Snapshot | null>;
  /** The current history's epoch (known once started). */
  epoch(): Epoch | null;
  /** Stores the claimed plain messages in order; each lands once across all replicas. */
  claim(items: ClaimItem[]): Promise<ClaimReport>;
  /** Keeps a rejected message for inspection (capped). Never rejects. */
  deadLetter(entry: DeadLetter): Promise<void>;
  /** Most recent dead letters, newest last (for tests and operators). */
  readDeadLetters(count: number): Promise<DeadLetter[]>;
  status(): BusStatus;
  stop(): Promise<void>;
}
