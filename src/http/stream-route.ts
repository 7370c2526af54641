/**
 * `GET /api/sse/stream` (docs/contract.md §2): headers flushed at once, a PassThrough body owned by
 * the hub, started live, after a cursor, or from a snapshot. Auth and filters attach here later.
 */
import type { Socket } from 'node:net';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Replayer } from '../replay/replayer.js';
import { decideStartPosition } from '../replay/start-position.js';
import { formatRetry, jitterRetryMs } from '../stream/sse-frame.js';

/**
 * Sockets that carry a stream. A stream owns its connection to the end (its frames go
 * straight to the socket), so a request pipelined behind it on the same connection opens
 * nothing: its answer would queue behind a response that never finishes.
 */
const streamingSockets = new WeakSet<Socket>();

/** Base reconnect delay handed to browsers that arrive while this replica drains. */
const DRAIN_RETRY_MS = 500;
/** `Retry-After` range when full, in seconds: spread, so refused screens do not return together. */
const FULL_RETRY_AFTER_S = { min: 5, spread: 10 };

/** The contract's stream headers (docs/contract.md §2.1), for GET and HEAD alike. */
function setStreamHeaders(ctx: Context): void {
  ctx.set('Content-Type', 'text/event-stream');
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
}

/**
 * Mounts the stream route. Query: `last_event_id=<id>` (first connect, polyfills; the
 * `Last-Event-ID` header wins), `snapshot=1` (start with the current state of every spool).
 */
export function mountStreamRoute(
  router: Router,
  replayer: Replayer,
  isDraining: () => boolean,
  isFull: () => boolean,
): void {
  router.get('/api/sse/stream', (ctx) => {
    if (ctx.method === 'HEAD') {
      // The stream's headers and no body: no stream is opened (the frames would go
      // straight to the socket, past the response that knows a HEAD has no body).
      ctx.status = 200;
      setStreamHeaders(ctx);
      return;
    }
    if (isDraining()) {
      // Not a 503: EventSource gives up for good on any non-200 answer. A 200 that only
      // says "retry soon" and ends makes the browser reconnect — to another replica, since
      // this one is no longer ready — keeping its Last-Event-ID.
      ctx.status = 200;
      ctx.set('Content-Type', 'text/event-stream');
      ctx.set('Cache-Control', 'no-cache, no-transform');
      ctx.body = formatRetry(jitterRetryMs(DRAIN_RETRY_MS));
      return;
    }
    if (isFull()) {
      // SSE_MAX_CLIENTS: protect the streams already here. A 503 makes a plain EventSource
      // give up (its readyState turns CLOSED); clients recreate it after Retry-After, and a
      // load balancer or the autoscaler sends them to a replica with room.
      ctx.status = 503;
      ctx.set(
        'Retry-After',
        String(FULL_RETRY_AFTER_S.min + Math.floor(Math.random() * FULL_RETRY_AFTER_S.spread)),
      );
      ctx.body = {
        error: 'too_many_streams',
        message: 'this replica has no room for another stream',
      };
      return;
    }
    const socket = ctx.req.socket;
    if (streamingSockets.has(socket)) {
      ctx.status = 400;
      ctx.body = {
        error: 'stream_in_progress',
        message: 'this connection already carries a stream; open each stream on its own',
      };
      return;
    }
    streamingSockets.add(socket);
    // Frames are small and latency matters more than packet count.
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    ctx.req.setTimeout(0);
    ctx.status = 200;
    // Set before assigning the stream, or Koa labels it application/octet-stream; set as a
    // raw header because `ctx.type` would append a charset the contract does not name.
    setStreamHeaders(ctx);
    // No chunked framing: the body is the bytes of the frames, and the stream ends when the
    // connection does (a stream never shares its connection anyway). Chunked encoding cost
    // a quarter of each write's CPU (framing, cork/uncork per write), measured.
    ctx.set('Connection', 'close');
    ctx.res.useChunkedEncodingByDefault = false;
    const position = decideStartPosition(ctx.get('Last-Event-ID') || undefined, ctx.query);
    const client = replayer.open(ctx.res, position);
    ctx.body = client.body;
    // Pipe the PassThrough ourselves instead of Koa's stream.pipeline(): pipeline's
    // per-stream finished() listeners cost ~7 KiB of heap per idle connection, measured.
    // Koa's body setter still destroys the body when the response finishes or closes.
    ctx.respond = false;
    // Koa would hold the headers until the first write reaches the response (measured with
    // Koa 3: the first bytes arrived ~366 ms late).
    ctx.res.flushHeaders();
    // After the headers a close-delimited body has nothing left for the HTTP layer to do,
    // so the frames go straight to the socket: each write through the response also corked
    // the socket and uncorked it on the next tick (~10 % of the fan-out's CPU, profiled).
    // Nothing else can be written on this connection: a pipelined request after this one
    // waits for a response that ends only when the socket closes.
    client.body.pipe(ctx.req.socket);
  });
}
