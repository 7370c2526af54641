/**
 * Where a new stream starts (pure): live, after a cursor, or from a snapshot. The
 * `Last-Event-ID` header wins over the `last_event_id` query parameter, because EventSource
 * repeats the original URL (with its first cursor) on every reconnect.
 */

/** How a stream begins. */
export type StartPosition =
  | { kind: 'live' }
  | { kind: 'cursor'; cursor: string }
  | { kind: 'snapshot' }
  | { kind: 'resync'; reason: 'cursor_too_old' | 'unknown_cursor' | 'history_replaced' };

const TRUE_VALUES = new Set(['1', 'true', 'yes']);

function first(value: string | string[] | undefined): string | undefined {
  const one = Array.isArray(value) ? value[0] : value;
  const trimmed = one?.trim();
  return trimmed ? trimmed : undefined;
}

/** Decides the start from the request's header and query values. */
export function decideStartPosition(
  lastEventIdHeader: string | string[] | undefined,
  query: { last_event_id?: string | string[]; snapshot?: string | string[] },
): StartPosition {
  const cursor = first(lastEventIdHeader) ?? first(query.last_event_id);
  if (cursor !== undefined) return { kind: 'cursor', cursor };
  const snapshot = first(query.snapshot);
  if (snapshot !== undefined && TRUE_VALUES.has(snapshot.toLowerCase()))
    return { kind: 'snapshot' };
  return { kind: 'live' };
}
