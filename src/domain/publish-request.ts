/**
 * The publish recipe shared by `POST /api/events` and `RedisEventService`: prepare the
 * producer's text once (prepare-event.ts) and check the idempotency key. Pure; storing is
 * the store's job.
 */
import { listSpoolEventProblems, type SpoolEventProblem } from './parse-spool-event.js';
import { type PreparedEvent, prepareEvent } from './prepare-event.js';

/** Longest accepted idempotency key (HTTP header and publisher option). */
export const MAX_IDEMPOTENCY_KEY_CHARS = 256;

/** How long an Idempotency-Key is remembered: a day covers any sane retry policy. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A prepared event to store; a retried publish with the same key returns the first id. */
export interface StoreRequest extends PreparedEvent {
  idempotencyKey?: string;
}

/** A publish ready to store, or every reason it cannot be. */
export type PreparedPublish =
  | { ok: true; request: StoreRequest }
  | { ok: false; problems: SpoolEventProblem[] }
  | { ok: false; keyProblem: string };

/** Validates `payload` and the optional key (trimmed; empty means none). */
export function preparePublish(
  payload: string,
  options: { maxEventBytes: number; timeZone: string; idempotencyKey?: string },
): PreparedPublish {
  const result = prepareEvent(payload, options.maxEventBytes, options.timeZone);
  if (!result.ok) {
    return { ok: false, problems: listSpoolEventProblems(payload, options.maxEventBytes) };
  }
  const key = options.idempotencyKey?.trim() ?? '';
  if (key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
    return {
      ok: false,
      keyProblem: `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_CHARS} characters`,
    };
  }
  return { ok: true, request: { ...result.prepared, ...(key ? { idempotencyKey: key } : {}) } };
}
