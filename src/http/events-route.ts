/**
 * `POST /api/events` (docs/contract.md §3): publish one event. 202 with its id once stored, 400 with
 * every problem, 413 when too large, 503 when it cannot be stored. An `Idempotency-Key`
 * header makes a retry return the first id instead of storing a copy.
 */
import type { Router } from '@koa/router';
import type { Bus } from '../bus/bus.js';
import { decodePayload } from '../domain/decode-payload.js';
import { preparePublish } from '../domain/publish-request.js';
import type { RejectReason } from '../domain/spool-event.js';
import { readBody } from './read-body.js';

/** What the route needs. */
export interface EventsRouteDeps {
  bus: Bus;
  maxEventBytes: number;
  plantTimeZone: string;
  onRejected: (reason: RejectReason, detail: string) => void;
  onStoreFailed: () => void;
  /** Hands the validated event's enrichment template on, so it is not parsed again. */
  onPrepared?: (payload: string, template: string) => void;
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
      ctx.status = body.tooLarge ? 413 : 400;
      ctx.body = { error: body.tooLarge ? 'too_large' : 'unreadable_body', message: body.message };
      if (body.tooLarge) deps.onRejected('too_large', body.message);
      return;
    }
    const decoded = decodePayload(body.bytes, deps.maxEventBytes);
    if (!decoded.ok) {
      deps.onRejected(decoded.reason, decoded.detail);
      ctx.status = decoded.reason === 'too_large' ? 413 : 400;
      ctx.body = {
        error: 'invalid_event',
        reasons: [{ reason: decoded.reason, detail: decoded.detail }],
      };
      return;
    }
    // One recipe with RedisEventService: validate, check the key, compute the state patch.
    const prepared = preparePublish(decoded.text, {
      maxEventBytes: deps.maxEventBytes,
      timeZone: deps.plantTimeZone,
      idempotencyKey: ctx.get('Idempotency-Key'),
      withTemplate: deps.onPrepared !== undefined,
    });
    if (!prepared.ok && 'keyProblem' in prepared) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_idempotency_key', message: prepared.keyProblem };
      return;
    }
    if (!prepared.ok) {
      const first = prepared.problems[0] as { reason: RejectReason; detail: string };
      deps.onRejected(first.reason, first.detail);
      ctx.status = first.reason === 'too_large' ? 413 : 400;
      ctx.body = { error: 'invalid_event', reasons: prepared.problems };
      return;
    }
    // Before storing: the announcement can arrive before the store's own reply does.
    if (prepared.template !== undefined) {
      deps.onPrepared?.(prepared.request.payload, prepared.template);
    }
    const stored = await deps.bus.store(prepared.request);
    if (!stored.ok && stored.kind === 'refused') {
      // Bad input the store could not take; nothing was written, so a retry cannot help.
      deps.onRejected('invalid_value', stored.reason);
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_event',
        reasons: [{ reason: 'invalid_value', detail: stored.reason }],
      };
      return;
    }
    if (!stored.ok) {
      deps.onStoreFailed();
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: 'store_unavailable', message: stored.reason };
      return;
    }
    ctx.status = 202;
    // A retried publish with the same key gets the first id; the header says it was a replay.
    if (stored.isReplay) ctx.set('Idempotent-Replayed', 'true');
    ctx.body = { id: stored.id };
  });
}
