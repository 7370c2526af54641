/**
 * Reads for the Durable Streams API (http/streams-route.ts) over the event log: a bounded
 * page after a position (from memory when the log covers it, else from the history), and a
 * wait for anything new that every waiting reader shares — one waiting list, woken by the
 * read side's append, and one memory read per position however many readers wait on it.
 * Filters select; positions move past what a filter leaves out.
 */
import { OLDEST } from '../bus/feed.js';
import type { StreamFilter } from '../domain/stream-filter.js';
import type { FramedEvent } from '../stream/frame-events.js';
import type { EventLog } from './event-log.js';

/** A page of events after a position. */
export interface StreamPage {
  /** The events the filter selects, in order. */
  events: FramedEvent[];
  /** The id of the last event read (selected or not): the next page starts after it. */
  throughId: string;
  /** True when nothing stored after `throughId` was known when the page was read. */
  isUpToDate: boolean;
}

/** A page, or why the position cannot be read from. */
export type StreamRead =
  | { ok: true; page: StreamPage }
  | { ok: false; reason: 'gone' | 'unavailable' };

/** Where reads come from, counted (`spoolcast_log_reads_total{source}`). */
export type ReadSource = 'memory' | 'history';

/** Reader settings. */
export interface StreamReaderOptions {
  log: EventLog;
  /** Most events read for one page. */
  pageSize: number;
  onRead?: (source: ReadSource) => void;
}

/** Reads pages and waits for new events on behalf of the streams API. */
export class StreamReader {
  private readonly options: StreamReaderOptions;
  // Readers woken by one append ask for the same position: read it once, and select from
  // it once per filter.
  private shared: { key: string; read: StreamRead; byFilter: Map<string, StreamRead> } | null =
    null;

  constructor(options: StreamReaderOptions) {
    this.options = options;
  }

  /** The position every live reader is at: the newest id the log covers. */
  get tailId(): string {
    return this.options.log.newestId ?? '0-0';
  }

  /** A page after `afterId` (`OLDEST`: from the oldest event held), filtered. */
  async read(afterId: string, filter: StreamFilter): Promise<StreamRead> {
    const raw = await this.readRaw(afterId);
    if (!raw.ok) return raw;
    const selected = this.shared?.read === raw ? this.shared.byFilter : null;
    const known = selected?.get(filter.key);
    if (known) return known;
    const events = raw.page.events.filter((e) => filter.matches(e.meta));
    const read: StreamRead = { ok: true, page: { ...raw.page, events } };
    selected?.set(filter.key, read);
    return read;
  }

  /**
   * The first page after `afterId` that `filter` selects something in, waiting (up to the
   * signal) for new events once caught up; the last up-to-date empty page when the signal
   * ends the wait first. No history read while waiting.
   */
  async waitFor(afterId: string, filter: StreamFilter, signal: AbortSignal): Promise<StreamRead> {
    let from = afterId;
    for (;;) {
      const read = await this.read(from, filter);
      if (!read.ok || read.page.events.length > 0) return read;
      from = read.page.throughId;
      if (!read.page.isUpToDate) continue;
      if (signal.aborted) return read;
      await this.options.log.nextAppend(signal);
      if (signal.aborted) return read;
    }
  }

  private async readRaw(afterId: string): Promise<StreamRead> {
    const { log, pageSize } = this.options;
    if (afterId !== OLDEST) {
      const key = `${afterId}\n${log.newestSeq}`;
      if (this.shared?.key === key) return this.shared.read;
      const memory = log.memoryAfter(afterId, pageSize);
      if (memory !== null) {
        this.options.onRead?.('memory');
        const throughId = memory.entries.at(-1)?.id ?? afterId;
        const read: StreamRead = {
          ok: true,
          page: { events: memory.entries, throughId, isUpToDate: memory.isUpToDate },
        };
        this.shared = { key, read, byFilter: new Map() };
        return read;
      }
    }
    this.options.onRead?.('history');
    const page = await log.readHistory(afterId, pageSize);
    if (!page.ok)
      return { ok: false, reason: page.reason === 'unavailable' ? 'unavailable' : 'gone' };
    return {
      ok: true,
      page: { events: page.events, throughId: page.throughId, isUpToDate: page.isComplete },
    };
  }
}
