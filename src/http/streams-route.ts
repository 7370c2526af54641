/**
 * `GET /api/streams/spools`: the plant's events through the Durable Streams read protocol
 * in JSON mode (docs/contract.md §3.3; PROTOCOL.md §5.6–5.8): catch-up pages, long-poll and
 * an SSE mode, from offsets that sort as strings and carry the history's epoch. For screens
 * behind proxies that buffer SSE, and for any Durable Streams client. Read-only: writes get
 * 405. Filters and auth apply as on every read route; the ETag covers the filter.
 */
import { createHash } from 'node:crypto';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { OLDEST } from '../bus/feed.js';
import type { StreamControl } from '../contract/frames.js';
import type { StreamFilter } from '../domain/stream-filter.js';
import {
  decodeOffset,
  encodeOffset,
  isOfEpoch,
  nextCursor,
  type RequestedOffset,
} from '../domain/stream-offset.js';
import type { StreamPage, StreamReader } from '../read/stream-reader.js';
import { dataOf } from '../stream/frame-events.js';
import { STREAM_HEADERS } from './attach-stream.js';
import { principalOf } from './auth-middleware.js';
import { filterOfRequest, type QueryLimit } from './filter-query.js';
import { refuse, refuseUnavailable } from './problem.js';

/** What the route needs. */
export interface StreamsRouteDeps {
  reader: StreamReader;
  /** The current history's epoch id; null before the feed started. */
  epochId(): string | null;
  /** How long a long-poll waits before answering 204 (LONG_POLL_TIMEOUT_S). */
  longPollTimeoutMs: number;
  /** How long one SSE-mode response lasts before the client reconnects (STREAMS_SSE_MAX_S). */
  sseMaxMs: number;
  /** Heartbeat period of the SSE mode (SSE_PING_INTERVAL_S). */
  pingIntervalMs: number;
  /** Aborted when the gateway starts draining: waits end at once. */
  drainSignal: AbortSignal;
  onLimit(limit: QueryLimit): void;
  /** Counts a read by mode. */
  onRead(mode: 'catch_up' | 'long_poll' | 'sse'): void;
}

/** The route's own query parameters (the rest are filters). */
const OWN_PARAMS = ['offset', 'live', 'cursor'];
const PATH = '/api/streams/spools';

/** Mounts the read route and the 405 for writes. */
export function mountStreamsRoute(router: Router, deps: StreamsRouteDeps): void {
  router.get(PATH, async (ctx) => {
    if (ctx.method === 'HEAD') return answerHead(ctx, deps);
    const filter = filterOfRequest(ctx, OWN_PARAMS, principalOf(ctx).restriction, deps.onLimit);
    if (filter === null) return;
    const live = ctx.query.live;
    if (live !== undefined && live !== 'long-poll' && live !== 'sse') {
      return refuse(ctx, 400, 'invalid_live', 'live must be long-poll or sse');
    }
    const start = startOf(ctx, deps);
    if (start === null) return;
    const mode = live === 'sse' ? 'sse' : live === 'long-poll' ? 'long_poll' : 'catch_up';
    deps.onRead(mode);
    if (mode === 'sse') return streamSse(ctx, deps, filter, start);
    if (mode === 'long_poll') return longPoll(ctx, deps, filter, start);
    return catchUp(ctx, deps, filter, start);
  });
  router.all(PATH, (ctx) => {
    ctx.set('Allow', 'GET, HEAD');
    refuse(ctx, 405, 'method_not_allowed', 'this stream is read-only');
  });
}

/** Where a read starts: an event id, `OLDEST`, or null once a 4xx/503 answer is set. */
function startOf(
  ctx: Context,
  deps: StreamsRouteDeps,
): { epoch: string; afterId: string; offset: RequestedOffset } | null {
  const offset = decodeOffset(single(ctx.query.offset));
  if (offset === null) {
    refuse(ctx, 400, 'invalid_offset', 'offset must be -1, now, or an offset this server gave');
    return null;
  }
  const epoch = deps.epochId();
  if (epoch === null) {
    refuseUnavailable(ctx, 'not_ready');
    return null;
  }
  if (offset.kind === 'position' && !isOfEpoch(offset, epoch)) {
    refuse(ctx, 410, 'offset_gone', 'the offset belongs to a history this server no longer has');
    return null;
  }
  const afterId =
    offset.kind === 'start' ? OLDEST : offset.kind === 'now' ? deps.reader.tailId : offset.afterId;
  return { epoch, afterId, offset };
}

async function catchUp(
  ctx: Context,
  deps: StreamsRouteDeps,
  filter: StreamFilter,
  start: { epoch: string; afterId: string; offset: RequestedOffset },
): Promise<void> {
  if (start.offset.kind === 'now') {
    return answerPage(ctx, start.epoch, { events: [], throughId: start.afterId, isUpToDate: true });
  }
  const read = await deps.reader.read(start.afterId, filter);
  if (!read.ok) return answerGone(ctx, read.reason);
  const from = encodeOffset(start.epoch, start.afterId === OLDEST ? '0-0' : start.afterId);
  const to = encodeOffset(start.epoch, read.page.throughId);
  // Weak: the same events for the same filter, whatever the framing of the array.
  const etag = `"${from}:${to}:${filterTag(filter)}"`;
  ctx.set('ETag', etag);
  if (ctx.get('If-None-Match') === etag) {
    ctx.status = 304;
    ctx.set('Stream-Next-Offset', to);
    ctx.set('Cache-Control', read.page.isUpToDate ? 'no-store' : 'private, max-age=60');
    return;
  }
  answerPage(ctx, start.epoch, read.page);
}

async function longPoll(
  ctx: Context,
  deps: StreamsRouteDeps,
  filter: StreamFilter,
  start: { epoch: string; afterId: string },
): Promise<void> {
  const timeout = AbortSignal.timeout(deps.longPollTimeoutMs);
  const gone = new AbortController();
  ctx.req.once('close', () => gone.abort());
  const signal = AbortSignal.any([timeout, gone.signal, deps.drainSignal]);
  const read = await deps.reader.waitFor(start.afterId, filter, signal);
  if (!read.ok) return answerGone(ctx, read.reason);
  ctx.set('Stream-Cursor', nextCursor(Date.now(), single(ctx.query.cursor)));
  if (read.page.events.length > 0) return answerPage(ctx, start.epoch, read.page);
  // Nothing new within the timeout: 204, never cached by anything shared.
  ctx.status = 204;
  ctx.set('Stream-Next-Offset', encodeOffset(start.epoch, read.page.throughId));
  ctx.set('Stream-Up-To-Date', 'true');
  ctx.set('Cache-Control', 'no-store');
}

/** SSE mode: `event: data` (a JSON array) then `event: control`, per batch, until recycled. */
async function streamSse(
  ctx: Context,
  deps: StreamsRouteDeps,
  filter: StreamFilter,
  start: { epoch: string; afterId: string },
): Promise<void> {
  const closed = new AbortController();
  const { res } = ctx;
  ctx.req.once('close', () => closed.abort());
  ctx.respond = false;
  ctx.req.setTimeout(0);
  res.writeHead(200, STREAM_HEADERS);
  const lifetime = AbortSignal.any([
    AbortSignal.timeout(deps.sseMaxMs),
    closed.signal,
    deps.drainSignal,
  ]);
  const beat = setInterval(() => res.write(':\n\n'), deps.pingIntervalMs);
  let from = start.afterId;
  let cursor = single(ctx.query.cursor);
  try {
    for (let isFirst = true; !lifetime.aborted; isFirst = false) {
      const read = isFirst
        ? await deps.reader.read(from, filter)
        : await deps.reader.waitFor(from, filter, lifetime);
      if (!read.ok) break;
      if (lifetime.aborted && read.page.events.length === 0) break;
      from = read.page.throughId;
      cursor = nextCursor(Date.now(), cursor);
      const control: StreamControl = {
        streamNextOffset: encodeOffset(start.epoch, from),
        streamCursor: cursor,
        ...(read.page.isUpToDate ? { upToDate: true } : {}),
      };
      const data =
        read.page.events.length > 0 ? `event: data\ndata: ${jsonArray(read.page)}\n\n` : '';
      res.write(`${data}event: control\ndata: ${JSON.stringify(control)}\n\n`);
    }
  } finally {
    clearInterval(beat);
    res.end();
  }
}

function answerPage(ctx: Context, epoch: string, page: StreamPage): void {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.set('Stream-Next-Offset', encodeOffset(epoch, page.throughId));
  if (page.isUpToDate) ctx.set('Stream-Up-To-Date', 'true');
  // A page that reached the tail changes as soon as an event comes: no shared caching.
  if (!ctx.response.get('Cache-Control')) {
    ctx.set('Cache-Control', page.isUpToDate ? 'no-store' : 'private, max-age=60');
  }
  ctx.body = jsonArray(page);
}

function answerHead(ctx: Context, deps: StreamsRouteDeps): void {
  const epoch = deps.epochId();
  if (epoch === null) {
    refuseUnavailable(ctx, 'not_ready');
    return;
  }
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.set('Stream-Next-Offset', encodeOffset(epoch, deps.reader.tailId));
  ctx.set('Cache-Control', 'no-store');
}

function answerGone(ctx: Context, reason: 'gone' | 'unavailable'): void {
  if (reason === 'unavailable') refuseUnavailable(ctx, 'history_unavailable');
  else refuse(ctx, 410, 'offset_gone', 'the events after this offset are no longer retained');
}

/** Pages the reader shares among readers (one per position and filter): joined once. */
const pageJson = new WeakMap<StreamPage, string>();

/** The events as one JSON array: the same JSON as the SSE `data` of each, joined. */
function jsonArray(page: StreamPage): string {
  let json = pageJson.get(page);
  if (json === undefined) {
    json = `[${page.events.map(dataOf).join(',')}]`;
    pageJson.set(page, json);
  }
  return json;
}

function filterTag(filter: StreamFilter): string {
  return filter.key === ''
    ? 'all'
    : createHash('sha1').update(filter.key).digest('hex').slice(0, 12);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
