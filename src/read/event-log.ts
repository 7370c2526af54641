/**
 * The event log: the one owner of what was stored recently and how to read it. The read
 * side appends every framed event in storage order; a history break resets it. Readers ask
 * for what follows a cursor — from memory when the log covers it (the common case after a
 * Wi-Fi drop, and the whole of a reconnect storm), else a bounded page from the feed's
 * history, framed by the same function as live events — and can wait for "anything after
 * X". Each entry keeps its meta beside its bytes, so a filter selects without parsing JSON.
 */
import type { EventFeed, ResyncReason, Snapshot } from '../bus/feed.js';
import { compareIds } from '../domain/event-id.js';
import { type FramedEvent, frameEvents, type LogEntry } from '../stream/frame-events.js';

export type { LogEntry };

/** A page of history after a cursor, or why the cursor cannot be continued from. */
export type HistoryPage =
  | { ok: true; events: FramedEvent[]; throughId: string; isComplete: boolean }
  | { ok: false; reason: ResyncReason | 'unavailable' };

/** Log settings. */
export interface EventLogOptions {
  /** Entries kept in memory (HISTORY_SIZE). */
  capacity: number;
  feed: Pick<EventFeed, 'readAfter' | 'snapshot'>;
}

/** What follows a cursor in memory: at most the limit asked, and whether that is all. */
export interface MemoryRead {
  entries: LogEntry[];
  isUpToDate: boolean;
}

/** A bounded, contiguous run of the newest events, after a known base position. */
export class EventLog {
  private readonly options: EventLogOptions;
  private entries: LogEntry[] = [];
  private start = 0;
  private readonly positions = new Map<string, number>();
  /** The snapshot read under way, shared by whoever asks before it settles. */
  private snapshotRead: Promise<Snapshot | null> | null = null;
  /** History pages being read, by cursor and limit, shared likewise. */
  private readonly historyReads = new Map<string, Promise<HistoryPage>>();
  private offset = 0;
  private nextSeq = 1;
  /** Every event after this id is in memory (or was evicted past it); null before start. */
  private baseId: string | null = null;
  private markStarted: () => void = () => undefined;
  private waiters = new Set<() => void>();
  /** Resolves once the log knows its base (the feed started). */
  readonly started: Promise<void>;

  constructor(options: EventLogOptions) {
    this.options = options;
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  /** The newest id the log covers: its newest entry, else its base; null before start. */
  get newestId(): string | null {
    return this.entries.length > this.start ? (this.entries.at(-1) as LogEntry).id : this.baseId;
  }

  /** The `seq` of the newest entry ever appended (0 before the first). */
  get newestSeq(): number {
    return this.nextSeq - 1;
  }

  /** Entries held in memory. */
  get size(): number {
    return this.entries.length - this.start;
  }

  /**
   * Starts over after `baseId`: at start (the feed's position) and after a history break
   * (the new history's head). What was held is forgotten; `seq` keeps counting.
   */
  reset(baseId: string): void {
    this.entries = [];
    this.start = 0;
    this.offset = 0;
    this.positions.clear();
    // Reads begun before a history break may show the old history: later callers start anew.
    this.snapshotRead = null;
    this.historyReads.clear();
    this.baseId = baseId;
    this.markStarted();
  }

  /** Appends framed events in storage order and wakes those waiting for newer ones. */
  append(framed: readonly FramedEvent[]): LogEntry[] {
    const added = framed.map((event): LogEntry => ({ ...event, seq: this.nextSeq++ }));
    for (const entry of added) {
      this.positions.set(entry.id, this.offset + this.entries.length);
      this.entries.push(entry);
    }
    this.evict();
    if (added.length > 0 && this.waiters.size > 0) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const wake of waiters) wake();
    }
    return added;
  }

  /**
   * What follows `cursor` in memory, synchronously (so a reader can go live in the same
   * turn): null when memory does not cover the cursor (read the history instead).
   */
  memoryAfter(cursor: string, limit = Number.POSITIVE_INFINITY): MemoryRead | null {
    let from: number;
    if (cursor === this.baseId) from = this.start;
    else {
      const position = this.positions.get(cursor);
      if (position === undefined) return null;
      from = position - this.offset + 1;
    }
    const end = Math.min(this.entries.length, from + limit);
    return { entries: this.entries.slice(from, end), isUpToDate: end === this.entries.length };
  }

  /** True when `id` is newer than anything the log covers (the history ran ahead of it). */
  isAhead(id: string): boolean {
    const newest = this.newestId;
    return newest === null || compareIds(id, newest) > 0;
  }

  /**
   * A page of at most `limit` events after `cursor` from the feed's history, framed. Callers
   * asking for the same page while it is read share it (streams resuming from one cursor
   * after a rolling deploy): one feed read, framed once.
   */
  readHistory(cursor: string, limit: number): Promise<HistoryPage> {
    const key = `${cursor}\n${limit}`;
    const known = this.historyReads.get(key);
    if (known) return known;
    const read = this.readHistoryPage(cursor, limit);
    const settled = () => {
      if (this.historyReads.get(key) === read) this.historyReads.delete(key);
    };
    read.then(settled, settled);
    this.historyReads.set(key, read);
    return read;
  }

  private async readHistoryPage(cursor: string, limit: number): Promise<HistoryPage> {
    const read = await this.options.feed.readAfter(cursor, limit);
    if (!read.ok) return read;
    // A record that cannot be framed was counted when it was announced; skip it here.
    const { framed } = frameEvents(read.events);
    const throughId = read.events.at(-1)?.id ?? cursor;
    return { ok: true, events: framed, throughId, isComplete: read.isComplete };
  }

  /**
   * The current state of every spool, consistent with one event id; null while unavailable.
   * Callers that ask while a read is under way share it (a storm of `snapshot=1` streams, a
   * resync of every stream): one feed read and one object, so its frame is built once.
   */
  snapshot(): Promise<Snapshot | null> {
    if (this.snapshotRead !== null) return this.snapshotRead;
    const read = this.options.feed.snapshot();
    const settled = () => {
      if (this.snapshotRead === read) this.snapshotRead = null;
    };
    read.then(settled, settled);
    this.snapshotRead = read;
    return read;
  }

  /**
   * Resolves on the next append (or at once when `signal` aborts): one waiting list per
   * process, woken by the read side, with no feed call per waiter.
   */
  nextAppend(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Readers waiting for the next append. */
  get waiting(): number {
    return this.waiters.size;
  }

  // Keeps at most `capacity` entries; the base moves to the newest one dropped.
  private evict(): void {
    const excess = this.entries.length - this.start - this.options.capacity;
    if (excess <= 0) return;
    for (let i = this.start; i < this.start + excess; i += 1) {
      this.positions.delete((this.entries[i] as LogEntry).id);
    }
    this.baseId = (this.entries[this.start + excess - 1] as LogEntry).id;
    this.start += excess;
    // Compact now and then so the array does not grow without bound.
    if (this.start > this.options.capacity) {
      this.entries = this.entries.slice(this.start);
      this.offset += this.start;
      this.start = 0;
    }
  }
}
