/**
 * SSE wire format (docs/contract.md §2), as pure functions that return the exact bytes.
 * The `data` objects are typed with the types generated from docs/schemas/wire.json
 * (src/contract/frames.ts), so a frame that leaves the documents does not compile.
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * Every JSON `data:` written here has U+2028, U+2029 and U+0085 escaped (same value), so a
 * reader that splits lines on them cannot be confused; event JSON arrives escaped already.
 */
import type { Connected, Heartbeat, Reauth, Resync } from '../contract/frames.js';
import type { BusHealth } from '../domain/bus-health.js';
import { escapeLineSeparators } from '../domain/json-text.js';

/** One frame to send; `data` may contain newlines (each line becomes a `data:` line). */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

/** `retry: <ms>` tells EventSource how long to wait before reconnecting. */
export function formatRetry(retryMs: number): string {
  return `retry: ${Math.round(retryMs)}\n\n`;
}

/** Formats one frame. JSON.stringify output has no raw newlines, so the common case is one line. */
export function formatFrame(frame: SseFrame): string {
  const head = frame.id === undefined ? '' : `id: ${frame.id}\n`;
  const safe = escapeLineSeparators(frame.data);
  const data =
    safe.includes('\n') || safe.includes('\r') ? safe.split(/\r\n|\r|\n/).join('\ndata: ') : safe;
  return `${head}event: ${frame.event}\ndata: ${data}\n\n`;
}

/** The `spool_update` frame for an enriched event (`json` from the worker). */
export function formatSpoolUpdate(id: string, json: string): string {
  return `id: ${id}\nevent: spool_update\ndata: ${json}\n\n`;
}

/** Bus health as clients see it. */
export type { BusHealth };

/** What the `connected` frame tells a client about the stream it just opened. */
export interface ConnectedInfo {
  /** Newest event id this gateway has broadcast, or null before the first. */
  lastEventId: string | null;
  bus: BusHealth;
  /** The cursor this stream resumed from (header or query), or null for a fresh start. */
  resumedFrom: string | null;
  /** The heartbeat period, so a client can tell a silent stream from a quiet one. */
  heartbeatMs: number;
  /** The `retry:` this stream was given (EventSource hides it from pages). */
  retryMs: number;
}

/**
 * The frame sent first on every stream (no `id:` so it never moves the client's cursor).
 * `last_event_id` is where the gateway is; `resumed_from` is where this client asked to
 * start — two different things a screen must not confuse.
 */
export function formatConnected(serverTimeMs: number, info: ConnectedInfo): string {
  const data: Connected = {
    server_time: new Date(serverTimeMs).toISOString(),
    last_event_id: info.lastEventId,
    bus: info.bus,
    resumed_from: info.resumedFrom,
    heartbeat_ms: info.heartbeatMs,
    retry_ms: info.retryMs,
  };
  return formatFrame({ event: 'connected', data: JSON.stringify(data) });
}

/**
 * Keepalive that also carries the bus state and the newest event id broadcast, so a screen
 * knows whether updates flow and whether it has seen the latest one.
 */
export function formatHeartbeat(
  serverTimeMs: number,
  bus: BusHealth,
  lastEventId: string | null,
): string {
  const data: Heartbeat = {
    server_time: new Date(serverTimeMs).toISOString(),
    bus,
    last_event_id: lastEventId,
  };
  return formatFrame({ event: 'heartbeat', data: JSON.stringify(data) });
}

/** Base retry plus up to 100 % jitter, so a fleet of screens does not reconnect in lockstep. */
export function jitterRetryMs(baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs + baseMs * random());
}

/** The snapshot frame; its `id:` is `as_of`, so a reconnect resumes after it (no second snapshot). */
export function formatSnapshot(asOf: string, json: string): string {
  return `id: ${asOf}\nevent: snapshot\ndata: ${escapeLineSeparators(json)}\n\n`;
}

/**
 * Tells the client its token has expired: the stream ends after this frame, and the client
 * comes back with a fresh token and its last id (nothing is lost).
 */
export function formatReauth(reason: Reauth['reason']): string {
  const data: Reauth = { reason };
  return formatFrame({ event: 'reauth', data: JSON.stringify(data) });
}

/**
 * Tells the client its position is gone; a snapshot of history `epoch` follows at once.
 */
export function formatResync(reason: Resync['reason'], epoch: string): string {
  const data: Resync = { reason, epoch };
  return formatFrame({ event: 'resync', data: JSON.stringify(data) });
}
