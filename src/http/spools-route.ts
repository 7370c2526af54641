/** `GET /api/spools`: the current state of every spool, as of one event id. */
import type { Router } from '@koa/router';
import type { Snapshot } from '../bus/feed.js';

/** Mounts the snapshot route. */
export function mountSpoolsRoute(router: Router, snapshot: () => Promise<Snapshot | null>): void {
  router.get('/api/spools', async (ctx) => {
    const current = await snapshot();
    if (!current) {
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: 'history_unavailable' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = current;
  });
}
