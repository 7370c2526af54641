/**
 * What a filter selects on, kept beside each event from the moment it is prepared: its tag,
 * type, the operation split from `estado_detalle`, and the worker. Stored and announced as a
 * small JSON array, so the read side never parses the event's JSON to select it. Pure.
 */
import { splitEstado, splitWorker } from './enrich-spool-event.js';
import type { SpoolEvent } from './spool-event.js';

/** The selectable facts of one event. */
export interface EventMeta {
  tag: string;
  type: string;
  /** `estado_detalle` before its first `: `, as in `spoolcast.operation`; null without one. */
  operation: string | null;
  /** The id in `worker_nombre` (`MR(93)` → 93), as in `spoolcast.worker.id`. */
  workerId: number | null;
  /** `worker_nombre` as the producer sent it. */
  workerName: string | null;
}

/** The meta of a validated event. */
export function metaOf(event: SpoolEvent): EventMeta {
  const workerName = typeof event.worker_nombre === 'string' ? event.worker_nombre : null;
  return {
    tag: event.tag_spool,
    type: event.event_type,
    operation: splitEstado(event.estado_detalle).operation,
    workerId: splitWorker(workerName)?.id ?? null,
    workerName,
  };
}

/** `[tag, type, operation, workerId, workerName]` as JSON text: one line, no raw newline. */
export function encodeMeta(meta: EventMeta): string {
  return JSON.stringify([meta.tag, meta.type, meta.operation, meta.workerId, meta.workerName]);
}

/** The meta `encodeMeta` wrote, or null when `text` is not that (a record we did not write). */
export function decodeMeta(text: string): EventMeta | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 5) return null;
  const [tag, type, operation, workerId, workerName] = value as unknown[];
  const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';
  if (typeof tag !== 'string' || typeof type !== 'string') return null;
  if (!isTextOrNull(operation) || !isTextOrNull(workerName)) return null;
  if (workerId !== null && !Number.isSafeInteger(workerId)) return null;
  return {
    tag,
    type,
    operation: operation as string | null,
    workerId: workerId as number | null,
    workerName: workerName as string | null,
  };
}
