/**
 * The Redis history: a page of events after a cursor (with the checks that decide between
 * replay and resync), the snapshot, and the dead letters. Each read that must be
 * consistent is one MULTI.
 */
import { classifyCursor, idTimeMs, parseEventId } from '../../domain/event-id.js';
import { completeStateRow, type SpoolState, sortRows } from '../../domain/spool-state.js';
import { OLDEST, type ReadAfterResult, type Snapshot, type StoredEvent } from '../feed.js';
import type { DeadLetter } from '../store.js';
import { type RedisNames, recordOfRow } from './names.js';
import type { ScriptedRedis } from './scripts.js';

type Row = [string, string[]];
type MultiReply = [Error | null, unknown][] | null;

/** Reads a value from XINFO STREAM, which is a flat array in RESP2 and a map in RESP3. */
function infoField(info: unknown, name: string): unknown {
  if (Array.isArray(info)) {
    const at = info.indexOf(name);
    return at >= 0 ? info[at + 1] : undefined;
  }
  if (info && typeof info === 'object') return (info as Record<string, unknown>)[name];
  return undefined;
}

function toEvents(rows: Row[], receivedAtPerfMs: number): StoredEvent[] {
  return rows.map(([id, fields]) => ({
    ...recordOfRow(id, fields),
    storedAtMs: idTimeMs(id) ?? 0,
    receivedAtPerfMs,
  }));
}

/** Stream bounds from XINFO STREAM: newest id ever added, oldest held, trimmed or not. */
function boundsOf(info: [Error | null, unknown] | undefined) {
  // A missing stream (ERR no such key) is an empty history.
  if (!info || info[0]) return { newestId: '0-0', oldestHeldId: null, isTrimmed: false };
  const firstEntry = infoField(info[1], 'first-entry');
  const length = Number(infoField(info[1], 'length') ?? 0);
  const added = Number(infoField(info[1], 'entries-added') ?? length);
  return {
    newestId: String(infoField(info[1], 'last-generated-id') ?? '0-0'),
    oldestHeldId: Array.isArray(firstEntry) ? String(firstEntry[0]) : null,
    // MAXLEN trimming does not move max-deleted-entry-id; the added count tells.
    isTrimmed: added > length,
  };
}

/**
 * At most `limit` events after `cursor`, in one MULTI with the stream's bounds, which
 * decide whether the cursor can be continued from (domain/event-id.ts `classifyCursor`).
 * `isComplete` when nothing was stored after the last one returned at the time of the read.
 */
export async function readAfter(
  redis: ScriptedRedis,
  names: RedisNames,
  cursor: string,
  limit: number,
): Promise<ReadAfterResult> {
  if (cursor === OLDEST) return readOldest(redis, names, limit);
  if (!parseEventId(cursor)) return { ok: false, reason: 'unknown_cursor' };
  const now = performance.now();
  const reply = (await redis
    .multi()
    .xinfo('STREAM', names.events)
    .xrange(names.events, cursor, cursor)
    .xrange(names.events, `(${cursor}`, '+', 'COUNT', limit)
    .exec()
    .catch(() => null)) as MultiReply;
  if (!reply) return { ok: false, reason: 'unavailable' };
  const isCursorHeld = ((reply[1]?.[1] as Row[] | undefined) ?? []).length === 1;
  const bounds = boundsOf(reply[0]);
  const verdict = classifyCursor(cursor, { ...bounds, isCursorHeld });
  if (verdict !== 'held') return { ok: false, reason: verdict };
  const rows = (reply[2]?.[1] as Row[] | undefined) ?? [];
  const events = toEvents(rows, now);
  const lastId = events.at(-1)?.id ?? cursor;
  return { ok: true, events, isComplete: lastId === bounds.newestId || rows.length < limit };
}

/** The oldest `limit` events held, whatever was trimmed before them. */
async function readOldest(
  redis: ScriptedRedis,
  names: RedisNames,
  limit: number,
): Promise<ReadAfterResult> {
  const now = performance.now();
  const rows = (await redis.xrange(names.events, '-', '+', 'COUNT', limit).catch(() => null)) as
    | Row[]
    | null;
  if (rows === null) return { ok: false, reason: 'unavailable' };
  return { ok: true, events: toEvents(rows, now), isComplete: rows.length < limit };
}

/**
 * State of every spool and the id it is current as of, read in one MULTI. A row that cannot
 * be read (not written by spoolcast) is left out and reported through `onUnreadableRow`,
 * so one bad row never makes every snapshot fail.
 */
export async function readSnapshot(
  redis: ScriptedRedis,
  names: RedisNames,
  epoch: { id: string; isIncomplete: boolean },
  onUnreadableRow: (tag: string) => void,
): Promise<Snapshot | null> {
  const reply = (await redis
    .multi()
    .hgetall(names.state)
    .xrevrange(names.events, '+', '-', 'COUNT', 1)
    .exec()) as MultiReply;
  if (!reply || reply[0]?.[0] || reply[1]?.[0]) return null;
  const rows = (reply[0]?.[1] ?? {}) as Record<string, string>;
  const newest = (reply[1]?.[1] as Row[] | undefined)?.[0]?.[0] ?? '0-0';
  const spools: SpoolState[] = [];
  for (const [tag, json] of Object.entries(rows)) {
    const row = parseRow(json);
    if (row === null) onUnreadableRow(tag);
    else spools.push(completeStateRow(row, idTimeMs(String(row.last_event_id ?? '')) ?? 0));
  }
  return {
    epoch: epoch.id,
    as_of: newest,
    incomplete: epoch.isIncomplete,
    spools: sortRows(spools),
  };
}

function parseRow(json: string): Record<string, unknown> | null {
  try {
    const row: unknown = JSON.parse(json);
    return row !== null && typeof row === 'object' && !Array.isArray(row)
      ? (row as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The newest `count` dead letters, oldest first. */
export async function readDeadLetters(
  redis: ScriptedRedis,
  names: RedisNames,
  count: number,
): Promise<DeadLetter[]> {
  const rows = (await redis.xrevrange(names.deadLetters, '+', '-', 'COUNT', count)) as Row[];
  return rows.reverse().map(([id, fields]) => {
    const field = (name: string) => {
      const at = fields.indexOf(name);
      return at >= 0 ? (fields[at + 1] ?? '') : '';
    };
    return {
      reason: field('reason') as DeadLetter['reason'],
      detail: field('detail'),
      payload: field('payload'),
      source: 'redis',
      atMs: idTimeMs(id) ?? 0,
    };
  });
}
