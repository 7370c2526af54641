/**
 * `GET /api/sse/stream` (CONTRACT §2): headers flushed at once, a PassThrough body owned by
 * the hub. The place where auth, filters and resume cursors attach later.
 */
import type { Router } from '@koa/router';
import type { Hub } from '../stream/hub.js';

/** Mounts the stream route. */
export function mountStreamRoute(router: Router, hub: Hub, isDraining: () => boolean): void {
  router.get('/api/sse/stream', (ctx) => {
    if (isDraining()) {
      // Send the browser to another replica; EventSource retries a 503 only via its own logic,
      // so the client library treats this as "reconnect elsewhere".
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: 'draining' };
      return;
    }
    const socket = ctx.req.socket;
    // Frames are small and latency matters more than packet count.
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    ctx.req.setTimeout(0);
    ctx.status = 200;
    // Set before assigning the stream, or Koa labels it application/octet-stream; set as a
    // raw header because `ctx.type` would append a charset the contract does not name.
    ctx.set('Content-Type', 'text/event-stream');
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.set('Connection', 'keep-alive');
    const client = hub.add(ctx.res);
    ctx.body = client.body;
    // Koa would hold the headers until the first write reaches the response (STACK gotcha 4).
    ctx.res.flushHeaders();
  });
}
