/**
 * The gap fill's state machine, pure: one gap-free, duplicate-free sequence of stored
 * events out of two overlapping sources — live announcements and what a gap fill reads
 * back from the stream after a reconnect. While a fill is due, live announcements are
 * held; releasing them earlier would move the position past events the fill has not read.
 */

/** Anything with an event id. */
export interface HasId {
  id: string;
}

/** Keeps the position (last id handed on) and the live messages held during a gap fill. */
export class StoredSequence<M extends HasId> {
  private lastId: string | null = null;
  private isHeld = false;
  private held: M[] = [];
  private readonly compare: (a: string, b: string) => number;

  /** `compare` orders ids (domain/event-id.ts compareIds). */
  constructor(compare: (a: string, b: string) => number) {
    this.compare = compare;
  }

  /** The last id handed on; `0-0` (the start of a history) before any. */
  get position(): string {
    return this.lastId ?? '0-0';
  }

  /** True while live messages are held for a gap fill. */
  get isHolding(): boolean {
    return this.isHeld;
  }

  /**
   * Sets the position: the newest stored id read before subscribing, or the history's head
   * after a break (what is before it is covered by the resync snapshots).
   */
  startAt(id: string): void {
    this.lastId = id;
  }

  /** Holds live messages until `release` (a reconnect: a gap fill is due). */
  hold(): void {
    this.isHeld = true;
  }

  /** A live batch: nothing while holding (kept for `release`), else what is new, in order. */
  live(batch: readonly M[]): M[] {
    if (this.isHeld) {
      this.held.push(...batch);
      return [];
    }
    return this.fresh(batch);
  }

  /** What a gap fill read after `position`: what is new, handed on at once. */
  filled(batch: readonly M[]): M[] {
    return this.fresh(batch);
  }

  /** The gap fill is complete: stops holding and hands on the held messages that are new. */
  release(): M[] {
    this.isHeld = false;
    const held = this.held;
    this.held = [];
    return this.fresh(held);
  }

  // Gap fill and live announcements overlap around a reconnect: anything at or before the
  // position was handed on already.
  private fresh(batch: readonly M[]): M[] {
    const out: M[] = [];
    for (const message of batch) {
      if (this.lastId !== null && this.compare(message.id, this.lastId) <= 0) continue;
      this.lastId = message.id;
      out.push(message);
    }
    return out;
  }
}
