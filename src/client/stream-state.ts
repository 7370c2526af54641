/**
 * What a screen holds (pure): one immutable value, replaced on every change, and the rules
 * that fold a snapshot, an event or a newer position into it. Both transports (SSE and
 * long-poll) go through these same rules, so a switch between them never applies an event
 * twice: an event at or before the position is skipped.
 */
import { compareIds } from '../domain/event-id.js';
import {
  applySpoolUpdate,
  type EnrichedSpoolEvent,
  rowsOfSnapshot,
  type SpoolRows,
  type SpoolSnapshot,
} from './spool-store.js';
import type { StreamStatus } from './status.js';
import type { SpoolStreamError } from './stream-error.js';
import { positionOfOffset } from './stream-position.js';
import { advanceCursor } from './stream-query.js';
import type { Transport } from './transport-policy.js';

/** Everything a screen needs, as one immutable value (a new object after every change). */
export interface SpoolStreamState {
  status: StreamStatus;
  /** How updates reach the page: the SSE stream, or long-poll while a proxy holds SSE back. */
  transport: Transport;
  spools: SpoolRows;
  lastEvent: EnrichedSpoolEvent | null;
  /**
   * The resume cursor: the newest id seen in a snapshot (`as_of`), an event, a heartbeat's
   * `last_event_id` or a long-poll's offset (all events up to it were sent to this screen).
   */
  lastEventId: string | null;
  /** The history `lastEventId` belongs to (a snapshot's `epoch`), once known. */
  epoch: string | null;
  /** When the last snapshot or event arrived (ms since epoch, client clock). */
  lastEventAt: number | null;
  /** When the last frame or long-poll answer of any kind arrived. */
  lastFrameAt: number | null;
  /** The last `resync` reason, until the next connect. */
  resync: string | null;
  error: SpoolStreamError | null;
  /** The URL of the current stream (never with its token). */
  url: string;
}

/** The state a stream starts in, before any frame (shared with the tab-shared stream). */
export function initialStreamState(
  url: string,
  status: StreamStatus,
  lastEventId: string | null | undefined,
  spools: SpoolRows | undefined,
  handedOver: { epoch?: string | null; transport?: Transport } = {},
): SpoolStreamState {
  return {
    status,
    transport: handedOver.transport ?? 'sse',
    spools: spools ?? new Map(),
    lastEvent: null,
    lastEventId: lastEventId ?? null,
    epoch: handedOver.epoch ?? null,
    lastEventAt: null,
    lastFrameAt: null,
    resync: null,
    error: null,
    url,
  };
}

/** A snapshot replaces every row; its `as_of` (or the frame's id) is the new position. */
export function withSnapshot(
  state: SpoolStreamState,
  snapshot: SpoolSnapshot,
  nowMs: number,
): SpoolStreamState {
  return {
    ...state,
    spools: rowsOfSnapshot(snapshot),
    lastEventId: snapshot.as_of ?? state.lastEventId,
    epoch: snapshot.epoch ?? state.epoch,
    lastEventAt: nowMs,
  };
}

/** One event applied, or null when it is at or before the position (already applied). */
export function withEvent(
  state: SpoolStreamState,
  event: EnrichedSpoolEvent,
  nowMs: number,
): SpoolStreamState | null {
  const id = event.spoolcast.id;
  if (state.lastEventId !== null && compareIds(id, state.lastEventId) <= 0) return null;
  return {
    ...state,
    spools: applySpoolUpdate(state.spools, event),
    lastEvent: event,
    lastEventId: id,
    lastEventAt: nowMs,
  };
}

/**
 * A newer position with nothing to apply before it: a heartbeat's `last_event_id`, or a
 * long-poll's `Stream-Next-Offset` (which moves past events a filter leaves out). The same
 * state when it is not newer.
 */
export function withPosition(
  state: SpoolStreamState,
  position: { lastEventId?: unknown; offset?: string | null },
): SpoolStreamState {
  const fromOffset = positionOfOffset(position.offset);
  const candidate = fromOffset?.afterId ?? position.lastEventId;
  const lastEventId = advanceCursor(state.lastEventId, candidate);
  const epoch = state.epoch ?? fromOffset?.epoch ?? null;
  if (lastEventId === state.lastEventId && epoch === state.epoch) return state;
  return { ...state, lastEventId, epoch };
}

/** The event a `spool_update` frame or a long-poll item carries, or null when it is not one. */
export function eventOf(value: unknown): EnrichedSpoolEvent | null {
  if (value === null || typeof value !== 'object') return null;
  const event = value as Partial<EnrichedSpoolEvent>;
  if (typeof event.spoolcast?.id !== 'string' || typeof event.tag_spool !== 'string') return null;
  return event as EnrichedSpoolEvent;
}
