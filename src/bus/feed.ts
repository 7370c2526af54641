/**
 * The read seam (Centrifuge's broker subscribe/history side, Mercure's transport): where
 * stored events come from, in storage order, and the history behind them. Two
 * implementations with the same behaviour: Redis (redis/redis-bus.ts, many replicas) and
 * memory (memory-bus.ts, one embedded instance). The read side (src/read/) sees only this.
 */
import type { BusHealth } from '../domain/bus-health.js';
import type { SpoolState } from '../domain/spool-state.js';

/** An event as stored: its id, and the text the write side prepared (prepare-event.ts). */
export interface StoredEvent {
  id: string;
  /** Storage time (epoch ms), the time in the id. */
  storedAtMs: number;
  /** The event's meta as `encodeMeta` wrote it. */
  meta: string;
  /** The outgoing JSON with a gap for the id (`fillEnrichmentTemplate` finishes it). */
  template: string;
  /** performance.now() when this process received it, for the receive→write latency metric. */
  receivedAtPerfMs: number;
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

/** The cursor that reads from the oldest event still held, whatever was trimmed before it. */
export const OLDEST = '-';

/** Why a cursor cannot be resumed from. */
export type ResyncReason = 'cursor_too_old' | 'unknown_cursor';

/** Events after a cursor, oldest first, at most the limit asked; or why there are none. */
export type ReadAfterResult =
  | { ok: true; events: StoredEvent[]; isComplete: boolean }
  | { ok: false; reason: ResyncReason | 'unavailable' };

/** Where the feed hands what it hears. */
export interface FeedHandlers {
  /** Stored events in storage order, gap-free and duplicate-free, in batches as they arrive. */
  onEvents(batch: StoredEvent[]): void;
  /** Called on every change of whether events can flow. */
  onStatus(status: BusHealth): void;
  /**
   * This gateway cannot continue the sequence: the history was replaced (Redis lost its
   * data, new epoch) or events it missed were trimmed before it could read them. The feed
   * continues after `headId`; every client must resync.
   */
  onHistoryBreak(epoch: Epoch, headId: string): void;
}

/** The stored events a gateway reads. */
export interface EventFeed {
  readonly kind: 'redis' | 'memory';
  /**
   * Subscribes; resolves once events can flow, with the position the feed continues after
   * (the newest stored id at that moment, `0-0` for an empty history).
   */
  start(handlers: FeedHandlers): Promise<string>;
  /**
   * At most `limit` stored events after `cursor` (exclusive; `OLDEST` for the oldest held),
   * or why the cursor is unusable.
   */
  readAfter(cursor: string, limit: number): Promise<ReadAfterResult>;
  /** Current state of every spool, consistent with one event id; null while unavailable. */
  snapshot(): Promise<Snapshot | null>;
  /** The current history's epoch (known once started). */
  epoch(): Epoch | null;
  status(): BusHealth;
  stop(): Promise<void>;
}
