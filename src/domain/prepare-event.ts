/**
 * The write side's one step, pure: a producer's text in, everything storage needs out —
 * validated once, enriched once (all of the outgoing JSON but the id), the state patch and
 * the meta a filter selects on. The pool runs it for plain PUBLISHes; POST and the
 * publisher library run it in process. No replica ever validates or enriches a stored event
 * again, so replicas with different settings cannot disagree about one.
 */
import { enrichmentTemplate } from './enrich-spool-event.js';
import { encodeMeta, metaOf } from './event-meta.js';
import { parseSpoolEvent } from './parse-spool-event.js';
import type { RejectReason } from './spool-event.js';
import { computeStatePatch } from './spool-state.js';

/** An event ready to store: every field is one line of text (no raw line break). */
export interface PreparedEvent {
  /** The outgoing JSON with a gap for the id and `received_at` (enrichmentTemplate). */
  template: string;
  tag: string;
  /** The `StatePatch` (spool-state.ts) as JSON, applied atomically with the event. */
  patch: string;
  /** The event's meta as `encodeMeta` writes it. */
  meta: string;
}

/** A prepared event, or why the text is refused. */
export type PrepareResult =
  | { ok: true; prepared: PreparedEvent }
  | { ok: false; reason: RejectReason; detail: string };

/** Validates `raw` and prepares it for storage in the plant's `timeZone`. */
export function prepareEvent(raw: string, maxEventBytes: number, timeZone: string): PrepareResult {
  const parsed = parseSpoolEvent(raw, maxEventBytes);
  if (!parsed.ok) return parsed;
  const { event } = parsed;
  return {
    ok: true,
    prepared: {
      template: enrichmentTemplate(event, timeZone, raw),
      tag: event.tag_spool,
      patch: JSON.stringify(computeStatePatch(event, timeZone)),
      meta: encodeMeta(metaOf(event)),
    },
  };
}
