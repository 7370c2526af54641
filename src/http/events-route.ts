/**
 * `POST /api/events` (docs/contract.md §3): publish one event through the write side. 202
 * with its id once stored, 400 with every problem, 413 when too large, 415 for a body that
 * is not JSON, 503 when it cannot be stored. An `Idempotency-Key` header makes a retry
 * return the first id instead of storing a copy.
 */
import type { Router } from '@koa/router';
import type { RejectReason } from '../domain/spool-event.js';
import type { Publish } from '../write/publish.js';
import { principalOf } from './auth-middleware.js';
import type { RateLimiter } from './rate-limiter.js';
import { readBody } from './read-body.js';

/** What the route needs. */
export interface EventsRouteDeps {
  publish: Publish;
  maxEventBytes: number;
  /** Counts a body refused before it was read whole (too large). */
  onRejected: (reason: RejectReason, detail: string) => void;
  /** `PUBLISH_RATE_PER_S`, per token subject or, without one, per client address. */
  rate: RateLimiter;
  /** Counts a publish refused by the rate limit. */
  onRateLimited(): void;
}

/**
 * Null when `contentType` is JSON in UTF-8 (`application/json`, any parameters, charset
 * utf-8 if given), else the reason it is refused.
 */
export function checkJsonMediaType(contentType: string): string | null {
  const [type = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') {
    return 'POST /api/events takes Content-Type: application/json only';
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && charset.replaceAll('"', '') !== 'utf-8') {
    return 'the JSON body must be UTF-8 (charset=utf-8)';
  }
  return null;
}

/** Mounts the publish route. */
export function mountEventsRoute(router: Router, deps: EventsRouteDeps): void {
  router.post('/api/events', async (ctx) => {
    const subject = principalOf(ctx).subject;
    const waitMs = deps.rate.take(subject === null ? `ip:${ctx.ip}` : `sub:${subject}`, Date.now());
    if (waitMs > 0) {
      deps.onRateLimited();
      ctx.status = 429;
      ctx.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      ctx.body = {
        error: 'rate_limited',
        message: 'too many publishes; retry after Retry-After seconds',
      };
      return;
    }
    // JSON only: `text/plain` and form bodies are "simple" cross-origin requests that no
    // preflight stops, so accepting them would let any web page publish.
    const mediaType = checkJsonMediaType(ctx.get('Content-Type'));
    if (mediaType !== null) {
      ctx.status = 415;
      ctx.body = { error: 'unsupported_media_type', message: mediaType };
      return;
    }
    const body = await readBody(ctx.req, deps.maxEventBytes);
    if (!body.ok) {
      ctx.status = body.isTooLarge ? 413 : 400;
      ctx.body = {
        error: body.isTooLarge ? 'too_large' : 'unreadable_body',
        message: body.message,
      };
      if (body.isTooLarge) deps.onRejected('too_large', body.message);
      return;
    }
    const outcome = await deps.publish(body.bytes, ctx.get('Idempotency-Key'));
    switch (outcome.kind) {
      case 'stored':
        ctx.status = 202;
        // A retried publish with the same key gets the first id; the header says so.
        if (outcome.isReplay) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = { id: outcome.id };
        return;
      case 'invalid':
        ctx.status = outcome.problems[0]?.reason === 'too_large' ? 413 : 400;
        ctx.body = { error: 'invalid_event', reasons: outcome.problems };
        return;
      case 'invalid_key':
        ctx.status = 400;
        ctx.body = { error: 'invalid_idempotency_key', message: outcome.message };
        return;
      case 'unavailable':
        ctx.status = 503;
        ctx.set('Retry-After', '1');
        ctx.body = { error: 'store_unavailable', message: outcome.message };
        return;
    }
  });
}
