/**
 * `GET /api/sse/stream` (docs/contract.md §2): the headers flushed at once, a PassThrough
 * body owned by the hub, started live, after a cursor or from a snapshot by catch-up.
 */
import type { Socket } from 'node:net';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { CatchUp } from '../read/catch-up.js';
import { decideStartPosition } from '../read/start-position.js';
import { formatRetry, jitterRetryMs } from '../stream/sse-frame.js';
import type { AddressSlots } from './address-slots.js';
import { attachStream, STREAM_HEADERS } from './attach-stream.js';
import { principalOf } from './auth-middleware.js';
import { filterOfRequest, type QueryLimit } from './filter-query.js';

/** Base reconnect delay handed to browsers that arrive while this replica drains. */
const DRAIN_RETRY_MS = 500;
/** `Retry-After` range when full, in seconds: spread, so refused screens do not return together. */
const FULL_RETRY_AFTER_S = { min: 5, spread: 10 };

/** What the stream route needs. */
export interface StreamRouteDeps {
  catchUp: CatchUp;
  isDraining(): boolean;
  /** False when `SSE_MAX_CLIENTS` streams are open. */
  hasRoom(): boolean;
  /** Counts a stream refused for want of room. */
  onRefusedFull(): void;
  /** Open streams per client address (`SSE_MAX_CLIENTS_PER_IP`). */
  slots: AddressSlots;
  /** Counts a request refused by a limit. */
  onLimit(limit: QueryLimit | 'clients_per_ip'): void;
}

/** The stream's own query parameters (the rest are filters). */
const STREAM_PARAMS = ['last_event_id', 'snapshot'];

/**
 * Mounts the stream route. Query: `last_event_id=<id>` (first connect, polyfills; the
 * `Last-Event-ID` header wins), `snapshot=1` (start with the current state of every spool).
 */
export function mountStreamRoute(router: Router, deps: StreamRouteDeps): void {
  // Sockets that carry a stream. A stream owns its connection to the end (its frames go
  // straight to the socket), so a request pipelined behind it on the same connection opens
  // nothing: its answer would queue behind a response that never finishes.
  const streamingSockets = new WeakSet<Socket>();
  router.get('/api/sse/stream', (ctx) => {
    // HEAD walks every check GET does and answers the same status, opening nothing: the
    // browser client asks it why a stream was refused.
    const isProbe = ctx.method === 'HEAD';
    if (deps.isDraining()) {
      // Not a 503: EventSource gives up for good on any non-200 answer. A 200 that only
      // says "retry soon" and ends makes the browser reconnect — to another replica, since
      // this one is no longer ready — keeping its Last-Event-ID.
      ctx.status = 200;
      ctx.set(STREAM_HEADERS);
      ctx.body = formatRetry(jitterRetryMs(DRAIN_RETRY_MS));
      return;
    }
    if (!deps.hasRoom()) {
      if (!isProbe) deps.onRefusedFull();
      return refuseFull(ctx);
    }
    const principal = principalOf(ctx);
    const onLimit = isProbe ? () => undefined : deps.onLimit;
    const filter = filterOfRequest(ctx, STREAM_PARAMS, principal.restriction, onLimit);
    if (filter === null) return;
    const socket = ctx.req.socket;
    if (streamingSockets.has(socket)) {
      ctx.status = 400;
      ctx.body = {
        error: 'stream_in_progress',
        message: 'this connection already carries a stream; open each stream on its own',
      };
      return;
    }
    // Read only under a per-address limit: the socket keeps the peer address it is asked.
    const address = deps.slots.isLimited ? ctx.ip : '';
    if (isProbe) {
      if (!deps.slots.hasSlot(address)) return refuseAddress(ctx);
      ctx.status = 200;
      ctx.set(STREAM_HEADERS);
      return;
    }
    if (!deps.slots.acquire(address)) {
      deps.onLimit('clients_per_ip');
      return refuseAddress(ctx);
    }
    streamingSockets.add(socket);
    const position = decideStartPosition(ctx.get('Last-Event-ID') || undefined, ctx.query);
    const client = deps.catchUp.open(ctx.res, position, {
      filter,
      expiresAtMs: principal.expiresAtMs,
    });
    if (deps.slots.isLimited) client.body.once('close', () => deps.slots.release(address));
    ctx.status = 200;
    // The PassThrough body goes to the socket through our pipe (attach-stream.ts), which
    // also ends it with the connection; not through Koa's body setter and stream.pipeline(),
    // whose per-stream listeners would stay for the stream's life.
    ctx.respond = false;
    attachStream(ctx.req, ctx.res, client.body);
    // Koa watches every response until it finishes (on-finished, which takes 'end' as
    // finished too), and its watcher holds the request's whole context. An SSE response
    // finishes only with its connection, and Koa has nothing left to do for it: release
    // the watcher now rather than keep the context for hours.
    ctx.res.emit('end');
  });
}

/**
 * SSE_MAX_CLIENTS: protect the streams already here. A 503 makes a plain EventSource give
 * up (its readyState turns CLOSED); clients recreate it after Retry-After, and a load
 * balancer or the autoscaler sends them to a replica with room.
 */
function refuseFull(ctx: Context): void {
  ctx.status = 503;
  ctx.set(
    'Retry-After',
    String(FULL_RETRY_AFTER_S.min + Math.floor(Math.random() * FULL_RETRY_AFTER_S.spread)),
  );
  ctx.body = { error: 'too_many_streams', message: 'this replica has no room for another stream' };
}

/** SSE_MAX_CLIENTS_PER_IP: this address holds as many streams as it may. */
function refuseAddress(ctx: Context): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(FULL_RETRY_AFTER_S.min));
  ctx.body = {
    error: 'too_many_streams',
    message: 'this address has as many streams open as allowed',
  };
}
