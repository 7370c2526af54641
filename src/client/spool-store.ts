/**
 * The spools a screen shows, folded from the stream (pure): a `snapshot` replaces every
 * row, each `spool_update` patches its spool's row with the same rules the gateway uses
 * for `GET /api/spools` (src/domain/spool-state.ts), so the two never disagree.
 */
import type { Snapshot } from '../contract/frames.js';
import type { EnrichedSpoolEvent } from '../domain/spool-event.js';
import {
  applyStatePatch,
  type SpoolState,
  sortRows,
  statePatchOfEnrichedEvent,
} from '../domain/spool-state.js';

export type { EnrichedSpoolEvent } from '../domain/spool-event.js';
export type { SpoolState, SpoolStatus } from '../domain/spool-state.js';

/** The body of `GET /api/spools` and of the `snapshot` frame (the generated wire type). */
export type SpoolSnapshot = Snapshot;

/** Rows by `tag_spool`; a new map after every change, so identity tells a change. */
export type SpoolRows = ReadonlyMap<string, SpoolState>;

/** Every row of a snapshot, replacing whatever was there before. */
export function rowsOfSnapshot(snapshot: SpoolSnapshot): SpoolRows {
  return new Map(snapshot.spools.map((row) => [row.tag_spool, row]));
}

/** The rows after one `spool_update`; the same map when the event was already applied. */
export function applySpoolUpdate(rows: SpoolRows, event: EnrichedSpoolEvent): SpoolRows {
  const previous = rows.get(event.tag_spool);
  const id = event.spoolcast.id;
  if (previous?.last_event_id === id) return rows;
  const storedAtMs = Date.parse(event.spoolcast.received_at);
  const row = applyStatePatch(previous, statePatchOfEnrichedEvent(event), id, storedAtMs);
  const next = new Map(rows);
  next.set(row.tag_spool, row);
  return next;
}

/** Rows sorted by tag, as `GET /api/spools` lists them. */
export function sortedRows(rows: SpoolRows): SpoolState[] {
  return sortRows(rows.values());
}
