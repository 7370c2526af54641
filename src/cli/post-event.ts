/**
 * `POST /api/events` with an `Idempotency-Key` (docs/contract.md §1.3): a 503 (or a 429, or a
 * network error) is retried with the same key, so an event the gateway stored before
 * failing to answer is returned, not stored twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { authHeaders } from './auth-headers.js';
import { describeError } from './describe-error.js';
import { retryDelayMs } from './retry-delay.js';

/** One event to post. */
export interface PostRequest {
  url: string;
  /** The event's JSON text, sent as it is. */
  body: string;
  idempotencyKey: string;
  token: string | null;
  /** Extra attempts after a 503, a 429 or a network error. */
  retries: number;
  /** Told before each wait, for a line on stderr. */
  onRetry?: (why: string, delayMs: number) => void;
}

/** The gateway's answer: the id (and whether the key was already used), or why not. */
export type PostOutcome =
  | { ok: true; id: string; isReplayed: boolean }
  | { ok: false; message: string };

const RETRIED_STATUSES = new Set([429, 503]);

/** Posts the event, retrying as described above; never throws. */
export async function postEvent(request: PostRequest): Promise<PostOutcome> {
  const endpoint = `${request.url}/api/events`;
  for (let attempt = 0; ; attempt++) {
    const isLast = attempt >= request.retries;
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': request.idempotencyKey,
          ...authHeaders(request.token),
        },
        body: request.body,
      });
    } catch (error) {
      const why = `cannot reach the gateway: ${describeError(error)}`;
      if (isLast) return { ok: false, message: why };
      const delayMs = retryDelayMs(attempt, null);
      request.onRetry?.(why, delayMs);
      await sleep(delayMs);
      continue;
    }
    const text = await response.text();
    if (response.status === 202) {
      const id = (safeJson(text) as { id?: unknown } | null)?.id;
      if (typeof id !== 'string')
        return { ok: false, message: `202 without an id: ${text.slice(0, 200)}` };
      return { ok: true, id, isReplayed: response.headers.get('idempotent-replayed') === 'true' };
    }
    const why = `POST /api/events answered ${response.status}: ${describeAnswer(text)}`;
    if (!RETRIED_STATUSES.has(response.status) || isLast) return { ok: false, message: why };
    const delayMs = retryDelayMs(attempt, response.headers.get('retry-after'));
    request.onRetry?.(why, delayMs);
    await sleep(delayMs);
  }
}

/** The error body in one line: `invalid_event: reason (detail); …`, or its first 200 characters. */
export function describeAnswer(text: string): string {
  const body = safeJson(text) as {
    error?: unknown;
    message?: unknown;
    reasons?: { reason?: unknown; detail?: unknown }[];
  } | null;
  if (body === null || typeof body.error !== 'string') return text.slice(0, 200) || '(empty body)';
  if (Array.isArray(body.reasons) && body.reasons.length > 0) {
    const reasons = body.reasons.map((r) => `${String(r.reason)} (${String(r.detail)})`);
    return `${body.error}: ${reasons.join('; ')}`;
  }
  return typeof body.message === 'string' ? `${body.error}: ${body.message}` : body.error;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
