/**
 * The read side's only step on an event: finish the stored template with its id and frame
 * it (`spool_update`), once per event per gateway, for live and catch-up alike, so a
 * replayed event has the same bytes as the live one. A record spoolcast did not write
 * (unreadable meta, no id gap) is set aside, never framed. Pure.
 */
import { fillEnrichmentTemplate } from '../domain/enrich-spool-event.js';
import { decodeMeta, type EventMeta } from '../domain/event-meta.js';
import type { StreamFilter } from '../domain/stream-filter.js';
import { formatSpoolUpdate } from './sse-frame.js';

/** What framing needs of a stored event. */
export interface StoredText {
  id: string;
  storedAtMs: number;
  meta: string;
  template: string;
}

/** One framed event: its id and meta beside the exact bytes every client is written. */
export interface FramedEvent {
  id: string;
  meta: EventMeta;
  /** `id: …\nevent: spool_update\ndata: <json>\n\n`. */
  frame: string;
  /** Where the JSON starts in `frame` (`dataOf`). */
  dataStart: number;
}

/** A framed event in the event log, numbered in append order (`seq` never repeats). */
export interface LogEntry extends FramedEvent {
  readonly seq: number;
}

/** The JSON `data` of a framed event (the same text as the SSE frame's). */
export function dataOf(event: FramedEvent): string {
  return event.frame.slice(event.dataStart, -2);
}

/** Frames joined for one write, and how many events they are. */
export interface Selected {
  bytes: Buffer;
  count: number;
}

/**
 * The frames of `events` that `filter` selects, joined into the one buffer a stream is
 * written; `isWanted` leaves out what the stream already has (default: nothing).
 */
export function selectFrames<E extends FramedEvent>(
  events: readonly E[],
  filter: StreamFilter,
  isWanted: (event: E) => boolean = () => true,
): Selected {
  let text = '';
  let count = 0;
  for (const event of events) {
    if (!isWanted(event) || !filter.matches(event.meta)) continue;
    text += event.frame;
    count += 1;
  }
  return { bytes: Buffer.from(text), count };
}

/** Frames a batch in order; records that cannot be framed are listed with why. */
export function frameEvents(batch: readonly StoredText[]): {
  framed: FramedEvent[];
  malformed: { id: string; detail: string }[];
} {
  const framed: FramedEvent[] = [];
  const malformed: { id: string; detail: string }[] = [];
  for (const stored of batch) {
    const meta = decodeMeta(stored.meta);
    const json = meta && fillEnrichmentTemplate(stored.template, stored.id, stored.storedAtMs);
    if (!meta || json === null) {
      malformed.push({ id: stored.id, detail: 'a stored record spoolcast did not write' });
      continue;
    }
    const frame = formatSpoolUpdate(stored.id, json);
    framed.push({ id: stored.id, meta, frame, dataStart: frame.length - json.length - 2 });
  }
  return { framed, malformed };
}
