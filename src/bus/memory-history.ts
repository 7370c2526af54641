/**
 * The embedded bus's history: stored events in id order, trimmed to a size in chunks (so
 * each append stays O(1) amortised), read after a cursor with the same verdicts as the
 * Redis history (held, too old, unknown).
 */
import { classifyCursor, compareIds } from '../domain/event-id.js';
import { OLDEST, type ReadAfterResult, type StoredEvent } from './feed.js';

export class MemoryHistory {
  private readonly events: StoredEvent[] = [];
  /** The newest id trimmed away; '0-0' while nothing has been. */
  private trimmedId = '0-0';

  constructor(private readonly size: number) {}

  /** The newest id stored (or trimmed, once everything held was). */
  get newestId(): string {
    return this.events.at(-1)?.id ?? this.trimmedId;
  }

  append(event: StoredEvent): void {
    this.events.push(event);
    const { length } = this.events;
    if (length <= this.size * 2 && length <= this.size + 1000) return;
    const dropped = this.events.splice(0, length - this.size);
    this.trimmedId = (dropped.at(-1) as StoredEvent).id;
  }

  /** Up to `limit` events after `cursor` (OLDEST: from the oldest held), or why not. */
  readAfter(cursor: string, limit: number): ReadAfterResult {
    const { events } = this;
    if (cursor === OLDEST) {
      return { ok: true, events: events.slice(0, limit), isComplete: limit >= events.length };
    }
    const index = this.indexAfter(cursor);
    const isTrimmed = this.trimmedId !== '0-0';
    const verdict = classifyCursor(cursor, {
      newestId: this.newestId,
      oldestHeldId: events[0]?.id ?? null,
      isTrimmed,
      // Everything after the newest trimmed id is held, so it can be continued from too.
      isCursorHeld:
        (index > 0 && (events[index - 1] as StoredEvent).id === cursor) ||
        (isTrimmed && cursor === this.trimmedId),
    });
    if (verdict !== 'held') return { ok: false, reason: verdict };
    const page = events.slice(index, index + limit);
    return { ok: true, events: page, isComplete: index + limit >= events.length };
  }

  /** Index of the first event after `cursor` (ids are sorted: binary search). */
  private indexAfter(cursor: string): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareIds((this.events[mid] as StoredEvent).id, cursor) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
