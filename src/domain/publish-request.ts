/**
 * The publish recipe shared by `POST /api/events` and `RedisEventService`: validate the
 * producer's text once (docs/contract.md §1.2), check the idempotency key, and compute the
 * state patch the store applies atomically with the event. Pure; storing is the bus's job.
 */

import { enrichmentTemplate } from './enrich-spool-event.js';
import {
  listSpoolEventProblems,
  parseSpoolEvent,
  type SpoolEventProblem,
} from './parse-spool-event.js';
import { computeStatePatch } from './spool-state.js';

/** Longest accepted idempotency key (HTTP header and publisher option). */
export const MAX_IDEMPOTENCY_KEY_CHARS = 256;

/** How long an Idempotency-Key is remembered: a day covers any sane retry policy. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A validated event, ready to store. */
export interface PublishRequest {
  payload: string;
  tag: string;
  /** `StatePatch` as JSON (spool-state.ts), applied atomically with the event. */
  patch: string;
  /** A retried publish with the same key returns the first id instead of storing a copy. */
  idempotencyKey?: string;
}

/** A publish ready to store, or every reason it cannot be. */
export type PreparedPublish =
  /**
   * `template`: with `withTemplate`, the enrichment prepared now (enrichmentTemplate), so
   * a gateway that stores the event does not parse it again when it is announced.
   */
  | { ok: true; request: PublishRequest; template?: string }
  | { ok: false; problems: SpoolEventProblem[] }
  | { ok: false; keyProblem: string };

/** Validates `payload` and the optional key (trimmed; empty means none). */
export function preparePublish(
  payload: string,
  options: {
    maxEventBytes: number;
    timeZone: string;
    idempotencyKey?: string;
    withTemplate?: boolean;
  },
): PreparedPublish {
  const parsed = parseSpoolEvent(payload, options.maxEventBytes);
  if (!parsed.ok) {
    return { ok: false, problems: listSpoolEventProblems(payload, options.maxEventBytes) };
  }
  const key = options.idempotencyKey?.trim() ?? '';
  if (key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
    return {
      ok: false,
      keyProblem: `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_CHARS} characters`,
    };
  }
  return {
    ok: true,
    ...(options.withTemplate
      ? { template: enrichmentTemplate(parsed.event, options.timeZone, payload) }
      : {}),
    request: {
      payload,
      tag: parsed.event.tag_spool,
      patch: JSON.stringify(computeStatePatch(parsed.event, options.timeZone)),
      ...(key ? { idempotencyKey: key } : {}),
    },
  };
}
