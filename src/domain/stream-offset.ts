/**
 * Offsets of the Durable Streams read API (pure): opaque, URL-safe tokens that sort as
 * plain strings in event order and carry the history's epoch, so a position in a replaced
 * history is recognised (410). An event id `<ms>-<seq>` does not sort as a string
 * (`…-10` before `…-9`); its offset pads both parts: `<epoch>_<ms:16>_<seq:20>`. The
 * offset of a position is the id of the last event before it.
 * Spec: https://github.com/durable-streams/durable-streams/blob/main/PROTOCOL.md §8
 */
import { parseEventId } from './event-id.js';

/** A requested offset: the oldest retained (`-1`), the tail (`now`), or a position. */
export type RequestedOffset =
  | { kind: 'start' }
  | { kind: 'now' }
  | { kind: 'position'; epoch: string; afterId: string };

const OFFSET = /^([0-9a-f]{32})_(\d{16})_(\d{20})$/;

/** The compact form of an epoch id in offsets (a UUID without its dashes). */
function compactEpoch(epochId: string): string {
  return epochId.replaceAll('-', '').toLowerCase();
}

/** The offset after event `afterId` (`0-0`: before the first) in history `epochId`. */
export function encodeOffset(epochId: string, afterId: string): string {
  const id = parseEventId(afterId) ?? { ms: 0, seq: 0 };
  return `${compactEpoch(epochId)}_${String(id.ms).padStart(16, '0')}_${String(id.seq).padStart(20, '0')}`;
}

/** Reads a client's `offset` parameter; null when it is not one this server gives out. */
export function decodeOffset(text: string | undefined): RequestedOffset | null {
  if (text === undefined || text === '-1') return { kind: 'start' };
  if (text === 'now') return { kind: 'now' };
  const match = OFFSET.exec(text);
  if (!match) return null;
  const ms = Number(match[2]);
  const seq = BigInt(match[3] as string);
  if (!Number.isSafeInteger(ms) || seq > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { kind: 'position', epoch: match[1] as string, afterId: `${ms}-${seq}` };
}

/** True when `offset` (decoded) belongs to history `epochId`. */
export function isOfEpoch(offset: { epoch: string }, epochId: string): boolean {
  return offset.epoch === compactEpoch(epochId);
}

/** Length of one cursor interval (the protocol's default: 20 s). */
const CURSOR_INTERVAL_MS = 20_000;
/** The protocol's cursor epoch: 2024-10-09T00:00:00Z. */
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);

/**
 * The `Stream-Cursor` for a live response (PROTOCOL.md §10.1): the current 20 s interval
 * number; never at or below the client's own cursor (then that plus 1–3600 s of jitter,
 * in intervals), so a CDN cannot keep serving one cached empty answer.
 */
export function nextCursor(
  nowMs: number,
  clientCursor: string | undefined,
  random = Math.random,
): string {
  const current = Math.floor((nowMs - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
  const echoed =
    clientCursor !== undefined && /^\d{1,15}$/.test(clientCursor) ? Number(clientCursor) : -1;
  if (echoed < current) return String(current);
  const jitterIntervals = Math.max(
    1,
    Math.ceil((1 + random() * 3599) / (CURSOR_INTERVAL_MS / 1000)),
  );
  return String(echoed + jitterIntervals);
}
