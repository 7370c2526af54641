/**
 * The message shapes that cross the thread boundary between the pipeline and the worker pool.
 * Kept flat and made of strings and numbers so structured cloning stays cheap.
 */
import type { RejectReason } from './spool-event.js';

/** `check` validates only (before an event is stored); `enrich` validates and builds the output. */
export type BatchMode = 'check' | 'enrich';

/** One raw message. `id` and `storedAtMs` are required in `enrich` mode. */
export interface BatchItem {
  payload: string;
  id?: string;
  storedAtMs?: number;
}

/** One unit of work for a worker thread: many messages at once (one task per message caps near 20k/s). */
export interface BatchTask {
  mode: BatchMode;
  maxEventBytes: number;
  /** IANA zone of the plant clock used to read producer timestamps; default America/Santiago. */
  timeZone: string;
  items: BatchItem[];
}

/** Per-item outcome, aligned by index with `BatchTask.items`. */
export type ItemResult =
  | {
      ok: true;
      /** Outgoing JSON (enrich mode); empty in check mode. */
      data: string;
      tag: string;
      eventType: string;
      /** The state patch as JSON (check mode), applied when the event is stored. */
      patch?: string;
    }
  | { ok: false; reason: RejectReason; detail: string };
