/** `GET /api/spools`: the current state of every spool, as of one event id. */
import type { Router } from '@koa/router';
import type { Bus } from '../bus/bus.js';

/** Mounts the snapshot route. */
export function mountSpoolsRoute(router: Router, bus: Bus): void {
  router.get('/api/spools', async (ctx) => {
    const snapshot = await bus.snapshot();
    if (!snapshot) {
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: 'history_unavailable' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = snapshot;
  });
}
