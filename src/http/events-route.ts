/**
 * `POST /api/events` (CONTRACT §3): publish one event. 202 with its id once stored, 400 with
 * every problem, 413 when too large, 503 when it cannot be stored.
 */
import type { Router } from '@koa/router';
import type { Bus } from '../bus/bus.js';
import { listSpoolEventProblems } from '../domain/parse-spool-event.js';
import type { RejectReason } from '../domain/spool-event.js';
import { readBody } from './read-body.js';

/** What the route needs. */
export interface EventsRouteDeps {
  bus: Bus;
  maxEventBytes: number;
  onRejected: (reason: RejectReason, detail: string) => void;
  onStoreFailed: () => void;
}

/** Mounts the publish route. */
export function mountEventsRoute(router: Router, deps: EventsRouteDeps): void {
  router.post('/api/events', async (ctx) => {
    const body = await readBody(ctx.req, deps.maxEventBytes);
    if (!body.ok) {
      ctx.status = body.tooLarge ? 413 : 400;
      ctx.body = { error: body.tooLarge ? 'too_large' : 'unreadable_body', message: body.message };
      if (body.tooLarge) deps.onRejected('too_large', body.message);
      return;
    }
    const problems = listSpoolEventProblems(body.text, deps.maxEventBytes);
    if (problems.length > 0) {
      const first = problems[0] as { reason: RejectReason; detail: string };
      deps.onRejected(first.reason, first.detail);
      ctx.status = first.reason === 'too_large' ? 413 : 400;
      ctx.body = { error: 'invalid_event', reasons: problems };
      return;
    }
    const stored = await deps.bus.store(body.text);
    if (!stored.ok) {
      deps.onStoreFailed();
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: 'store_unavailable', message: stored.reason };
      return;
    }
    ctx.status = 202;
    ctx.body = { id: stored.id };
  });
}
