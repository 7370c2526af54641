/**
 * The read side of the Redis history: events after a cursor (with the checks that decide
 * between replay and resync), the snapshot, and the dead letters. Each read that must be
 * consistent is one MULTI.
 */

import { compareIds, idTimeMs, parseEventId } from '../domain/event-id.js';
import { completeStateRow } from '../domain/spool-state.js';
import type { DeadLetter, ReadAfterResult, Snapshot, StoredMessage } from './bus.js';
import type { RedisNames, ScriptedRedis } from './redis-scripts.js';

type Row = [string, string[]];
type MultiReply = [Error | null, unknown][] | null;

const PAGE = 1000;

function field(fields: string[], name: string): string {
  const at = fields.indexOf(name);
  return at >= 0 ? (fields[at + 1] ?? '') : '';
}

/** Reads a value from XINFO STREAM, which is a flat array in RESP2 and a map in RESP3. */
function infoField(info: unknown, name: string): unknown {
  if (Array.isArray(info)) {
    const at = info.indexOf(name);
    return at >= 0 ? info[at + 1] : undefined;
  }
  if (info && typeof info === 'object') return (info as Record<string, unknown>)[name];
  return undefined;
}

function toMessages(rows: Row[], receivedAtPerfMs: number): StoredMessage[] {
  return rows.map(([id, fields]) => ({
    id,
    payload: field(fields, 'p'),
    storedAtMs: idTimeMs(id) ?? 0,
    receivedAtPerfMs,
  }));
}

/** Stream bounds: newest id ever added, oldest held, and whether entries were trimmed. */
function boundsOf(info: [Error | null, unknown] | undefined): {
  last: string;
  first: string | null;
  isTrimmed: boolean;
} {
  // A missing stream (ERR no such key) is an empty history.
  if (!info || info[0]) return { last: '0-0', first: null, isTrimmed: false };
  const firstEntry = infoField(info[1], 'first-entry');
  const length = Number(infoField(info[1], 'length') ?? 0);
  const added = Number(infoField(info[1], 'entries-added') ?? length);
  return {
    last: String(infoField(info[1], 'last-generated-id') ?? '0-0'),
    first: Array.isArray(firstEntry) ? String(firstEntry[0]) : null,
    // MAXLEN trimming does not move max-deleted-entry-id; the added count tells.
    isTrimmed: added > length,
  };
}

/**
 * Every event after `cursor`. A cursor is usable when it names an event still held, or is
 * `0-0` on a history that never lost an entry. Newer than anything stored, or not of this
 * history → `unknown_cursor`; older than the oldest held event once entries were trimmed →
 * `cursor_too_old` (the events right after it may be gone).
 */
export async function readAfter(
  redis: ScriptedRedis,
  names: RedisNames,
  cursor: string,
): Promise<ReadAfterResult> {
  if (!parseEventId(cursor)) return { ok: false, reason: 'unknown_cursor' };
  const now = performance.now();
  const first = (await redis
    .multi()
    .xinfo('STREAM', names.events)
    .xrange(names.events, cursor, cursor)
    .xrange(names.events, `(${cursor}`, '+', 'COUNT', PAGE)
    .exec()) as MultiReply;
  if (!first) return { ok: false, reason: 'unavailable' };
  const bounds = boundsOf(first[0]);
  const isHeld = ((first[1]?.[1] as Row[] | undefined) ?? []).length === 1;
  if (!isHeld) {
    if (compareIds(cursor, bounds.last) > 0) return { ok: false, reason: 'unknown_cursor' };
    const isBeforeFirst = bounds.first === null || compareIds(cursor, bounds.first) < 0;
    if (bounds.isTrimmed && isBeforeFirst) return { ok: false, reason: 'cursor_too_old' };
    if (!(cursor === '0-0' && !bounds.isTrimmed)) return { ok: false, reason: 'unknown_cursor' };
  }
  let rows = (first[2]?.[1] as Row[] | undefined) ?? [];
  const events = toMessages(rows, now);
  while (rows.length === PAGE) {
    const after = (events.at(-1) as StoredMessage).id;
    const page = (await redis
      .multi()
      .xrange(names.events, after, after)
      .xrange(names.events, `(${after}`, '+', 'COUNT', PAGE)
      .exec()) as MultiReply;
    if (!page) return { ok: false, reason: 'unavailable' };
    // The history moved on under a long read: what follows `after` may have been trimmed.
    if (((page[0]?.[1] as Row[] | undefined) ?? []).length !== 1) {
      return { ok: false, reason: 'cursor_too_old' };
    }
    rows = (page[1]?.[1] as Row[] | undefined) ?? [];
    events.push(...toMessages(rows, now));
  }
  return { ok: true, events };
}

/** State of every spool and the id it is current as of, read in one MULTI. */
export async function readSnapshot(
  redis: ScriptedRedis,
  names: RedisNames,
  epoch: { id: string; isIncomplete: boolean },
): Promise<Snapshot | null> {
  const reply = (await redis
    .multi()
    .hgetall(names.state)
    .xrevrange(names.events, '+', '-', 'COUNT', 1)
    .exec()) as MultiReply;
  if (!reply || reply[0]?.[0] || reply[1]?.[0]) return null;
  const rows = (reply[0]?.[1] ?? {}) as Record<string, string>;
  const newest = (reply[1]?.[1] as Row[] | undefined)?.[0]?.[0] ?? '0-0';
  const spools = Object.values(rows)
    .map((json) => {
      const row = JSON.parse(json) as Record<string, unknown>;
      return completeStateRow(row, idTimeMs(String(row.last_event_id ?? '')) ?? 0);
    })
    .sort((a, b) => a.tag_spool.localeCompare(b.tag_spool));
  return { epoch: epoch.id, as_of: newest, incomplete: epoch.isIncomplete, spools };
}

/** The newest `count` dead letters, oldest first. */
export async function readDeadLetters(
  redis: ScriptedRedis,
  names: RedisNames,
  count: number,
): Promise<DeadLetter[]> {
  const rows = (await redis.xrevrange(names.deadLetters, '+', '-', 'COUNT', count)) as Row[];
  return rows.reverse().map(([id, fields]) => ({
    reason: field(fields, 'reason') as DeadLetter['reason'],
    detail: field(fields, 'detail'),
    payload: field(fields, 'payload'),
    source: field(fields, 'source') as DeadLetter['source'],
    atMs: idTimeMs(id) ?? 0,
  }));
}
