/**
 * A screen's position in the plant's history, as the two read paths name it (pure): the
 * SSE stream resumes after an event id (`last_event_id`), the streams API after an offset
 * (docs/contract.md §3.3). The offset of the position after an event is its history's
 * epoch and its id (src/domain/stream-offset.ts, the gateway's own code, which the client
 * ships with), so a switch from SSE to long-poll starts right after the last event
 * applied, and a switch back resumes SSE from the last offset read. An id the history
 * does not hold (another history, trimmed) is refused by the gateway (410), never
 * silently read from.
 */
import { parseEventId } from '../domain/event-id.js';
import { decodeOffset, encodeOffset } from '../domain/stream-offset.js';

/** A position the streams API gave: the history's epoch (compact) and the id it is after. */
export interface OffsetPosition {
  epoch: string;
  afterId: string;
}

/** The offset after event `eventId` in history `epoch`; null when either is unknown. */
export function offsetAfter(epoch: string | null, eventId: string | null): string | null {
  if (epoch === null || eventId === null || parseEventId(eventId) === null) return null;
  return encodeOffset(epoch, eventId);
}

/** The epoch and event id a `Stream-Next-Offset` names; null for a sentinel or garbage. */
export function positionOfOffset(offset: string | null | undefined): OffsetPosition | null {
  if (offset === null || offset === undefined || offset === '') return null;
  const decoded = decodeOffset(offset);
  return decoded?.kind === 'position' ? { epoch: decoded.epoch, afterId: decoded.afterId } : null;
}
