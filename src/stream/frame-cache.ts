/**
 * The newest broadcast frames, by id, so a client resuming from a recent cursor is served
 * from memory (no Redis read, no re-enrichment): the common case after a Wi-Fi drop and
 * the whole of a reconnect storm.
 */

/** One broadcast event: its id and its exact `spool_update` bytes. */
export interface CachedFrame {
  id: string;
  frame: string;
}

/** A bounded, contiguous run of the newest frames this gateway broadcast. */
export class FrameCache {
  private readonly capacity: number;
  private entries: CachedFrame[] = [];
  private start = 0;
  private readonly positions = new Map<string, number>();
  private base = 0;

  /** Keeps at most `capacity` frames (HISTORY_SIZE). */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Appends frames in broadcast order. */
  push(frames: CachedFrame[]): void {
    for (const entry of frames) {
      this.positions.set(entry.id, this.base + this.entries.length);
      this.entries.push(entry);
    }
    const excess = this.entries.length - this.start - this.capacity;
    if (excess > 0) {
      for (let i = this.start; i < this.start + excess; i += 1) {
        this.positions.delete((this.entries[i] as CachedFrame).id);
      }
      this.start += excess;
      // Compact now and then so the array does not grow without bound.
      if (this.start > this.capacity) {
        this.entries = this.entries.slice(this.start);
        this.base += this.start;
        this.start = 0;
      }
    }
  }

  /** Frames after `cursor` when the cursor is a cached id; null when the cache cannot tell. */
  after(cursor: string): CachedFrame[] | null {
    const position = this.positions.get(cursor);
    if (position === undefined) return null;
    return this.entries.slice(position - this.base + 1);
  }

  /** Forgets everything (the history was replaced). */
  clear(): void {
    this.entries = [];
    this.start = 0;
    this.base = 0;
    this.positions.clear();
  }

  /** Frames held. */
  get size(): number {
    return this.entries.length - this.start;
  }
}
