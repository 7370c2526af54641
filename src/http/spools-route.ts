/**
 * `GET /api/spools`: the current state of every spool the caller may see and asked for
 * (the same filters as the stream), as of one event id.
 */
import type { Router } from '@koa/router';
import type { Snapshot } from '../bus/feed.js';
import { encodeOffset } from '../domain/stream-offset.js';
import { filterSnapshot } from '../read/catch-up.js';
import { principalOf } from './auth-middleware.js';
import { filterOfRequest, type QueryLimit } from './filter-query.js';
import { refuseUnavailable } from './problem.js';

/** What the snapshot route needs. */
export interface SpoolsRouteDeps {
  snapshot: () => Promise<Snapshot | null>;
  onLimit(limit: QueryLimit): void;
}

/** Mounts the snapshot route. */
export function mountSpoolsRoute(router: Router, deps: SpoolsRouteDeps): void {
  router.get('/api/spools', async (ctx) => {
    const filter = filterOfRequest(ctx, [], principalOf(ctx).restriction, deps.onLimit);
    if (filter === null) return;
    const current = await deps.snapshot();
    if (!current) return refuseUnavailable(ctx, 'history_unavailable');
    ctx.set('Cache-Control', 'no-store');
    // Where a Durable Streams reader continues from without a gap (§3.3).
    const offset = encodeOffset(current.epoch, current.as_of);
    ctx.set('Stream-Next-Offset', offset);
    const shown = filter.key === '' ? current : filterSnapshot(current, filter);
    ctx.body = { ...shown, offset };
  });
}
