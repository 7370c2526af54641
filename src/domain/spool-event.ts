/**
 * The spool event as producers send it (docs/contract.md §1) and the enrichment spoolcast adds (§2).
 * Pure types shared by the main thread and the worker threads.
 */

/** A producer's event after validation: the required fields plus whatever else it sent. */
export interface SpoolEvent {
  event_type: string;
  tag_spool: string;
  worker_nombre?: string | null;
  estado_detalle?: string;
  timestamp?: string;
  [extra: string]: unknown;
}

/** `worker_nombre` split as `INITIALS(ID)`. */
export interface WorkerRef {
  initials: string;
  id: number;
}

/** The reserved `spoolcast` object added to every outgoing event (docs/contract.md §2). */
export interface Enrichment {
  id: string;
  received_at: string;
  timestamp: string | null;
  worker: WorkerRef | null;
  operation: string | null;
  state: string | null;
}

/** An event as clients receive it in `spool_update`: the producer's fields plus `spoolcast`. */
export interface EnrichedSpoolEvent extends SpoolEvent {
  spoolcast: Enrichment;
}

/** Why an input was rejected; a closed set so metric labels stay bounded. */
export type RejectReason =
  | 'too_large'
  | 'not_json'
  | 'not_object'
  | 'missing_field'
  | 'wrong_type'
  | 'invalid_value'
  | 'reserved_key'
  | 'forbidden_key'
  | 'duplicate_key'
  | 'invalid_unicode'
  | 'worker_failure';

/** Every reject reason, for pre-registering metric label values. */
export const REJECT_REASONS: readonly RejectReason[] = [
  'too_large',
  'not_json',
  'not_object',
  'missing_field',
  'wrong_type',
  'invalid_value',
  'reserved_key',
  'forbidden_key',
  'duplicate_key',
  'invalid_unicode',
  'worker_failure',
];

/** Outcome of parsing one raw message: errors are values, never thrown. */
export type ParseResult =
  | { ok: true; event: SpoolEvent }
  | { ok: false; reason: RejectReason; detail: string };
