/**
 * Current state per spool, folded from its events (the snapshot's rows). The patch is
 * computed here, in one place, and applied atomically with the stream append (Lua merges
 * the patch into the stored row), so the rules live in TypeScript, not in Lua.
 */
import { splitEstado, splitWorker } from './enrich-spool-event.js';
import { toPlantIso } from './plant-time.js';
import type { EnrichedSpoolEvent, SpoolEvent, WorkerRef } from './spool-event.js';

/** Why a store refuses an event whose state patch it cannot decode (nothing is written). */
export const UNDECODABLE_STATE_DETAIL = 'the event state could not be decoded';

/** What a spool is doing: `null` until a TOMAR, PAUSAR or COMPLETAR has been seen. */
export type SpoolStatus = 'occupied' | 'paused' | 'completed' | null;

/** One row of the snapshot (`GET /api/spools`, `event: snapshot`). */
export interface SpoolState {
  tag_spool: string;
  status: SpoolStatus;
  worker_nombre: string | null;
  worker: WorkerRef | null;
  operation: string | null;
  estado_detalle: string | null;
  /** The producer's timestamp (plant offset) of the last event, else when it was stored. */
  since: string;
  last_event_id: string;
}

/** The fields one event sets; `since: null` means "use the storage time". */
export type StatePatch = Partial<Omit<SpoolState, 'since' | 'last_event_id'>> & {
  since: string | null;
};

const STATUS_BY_TYPE: Record<string, SpoolStatus> = {
  TOMAR: 'occupied',
  PAUSAR: 'paused',
  COMPLETAR: 'completed',
};

/**
 * The patch an event applies: TOMAR → occupied, PAUSAR → paused, COMPLETAR → completed
 * for its operation (all three set worker and operation); STATE_CHANGE and any other type
 * update the state text (and operation when the text names one) and keep status and worker.
 */
export function computeStatePatch(event: SpoolEvent, timeZone: string): StatePatch {
  const estado = typeof event.estado_detalle === 'string' ? event.estado_detalle : null;
  const since = typeof event.timestamp === 'string' ? toPlantIso(event.timestamp, timeZone) : null;
  return buildPatch(event, estado, splitEstado(estado).operation, since);
}

/**
 * The same patch from an event as it went out (browser clients fold `spool_update`
 * frames with it): the enrichment already holds the split operation and the plant-time
 * timestamp, so no time-zone data is needed.
 */
export function statePatchOfEnrichedEvent(event: EnrichedSpoolEvent): StatePatch {
  const estado = typeof event.estado_detalle === 'string' ? event.estado_detalle : null;
  return buildPatch(event, estado, event.spoolcast.operation, event.spoolcast.timestamp);
}

function buildPatch(
  event: SpoolEvent,
  estado: string | null,
  operation: string | null,
  since: string | null,
): StatePatch {
  const patch: StatePatch = { tag_spool: event.tag_spool, estado_detalle: estado, since };
  if (operation !== null) patch.operation = operation;
  const status = STATUS_BY_TYPE[event.event_type];
  if (status !== undefined) {
    const workerNombre = typeof event.worker_nombre === 'string' ? event.worker_nombre : null;
    patch.status = status;
    patch.worker_nombre = workerNombre;
    patch.worker = splitWorker(workerNombre);
    patch.operation = operation;
  }
  return patch;
}

/**
 * Applies a patch to a row (the in-memory twin of the Lua merge); `storedAtMs` is the
 * storage time of event `id`.
 */
export function applyStatePatch(
  previous: SpoolState | undefined,
  patch: StatePatch,
  id: string,
  storedAtMs: number,
): SpoolState {
  const base: SpoolState = previous ?? {
    tag_spool: patch.tag_spool ?? '',
    status: null,
    worker_nombre: null,
    worker: null,
    operation: null,
    estado_detalle: null,
    since: '',
    last_event_id: id,
  };
  return completeStateRow({ ...base, ...patch, last_event_id: id }, storedAtMs);
}

/** Fills defaults and the storage-time fallback of `since` in a stored row. */
export function completeStateRow(row: Record<string, unknown>, storedAtMs: number): SpoolState {
  const text = (key: string) => (typeof row[key] === 'string' ? (row[key] as string) : null);
  const worker = row.worker;
  return {
    tag_spool: text('tag_spool') ?? '',
    status: (text('status') as SpoolStatus) ?? null,
    worker_nombre: text('worker_nombre'),
    worker: worker && typeof worker === 'object' ? (worker as WorkerRef) : null,
    operation: text('operation'),
    estado_detalle: text('estado_detalle'),
    since: text('since') || new Date(storedAtMs).toISOString(),
    last_event_id: text('last_event_id') ?? '',
  };
}

/**
 * The one order of snapshot rows, on the server and in browsers: by tag, compared by UTF-16
 * code unit (locale-independent, so every screen lists the same spools in the same order).
 */
export function compareTags(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows sorted by tag (`compareTags`), as `GET /api/spools` lists them. */
export function sortRows<R extends { tag_spool: string }>(rows: Iterable<R>): R[] {
  return [...rows].sort((a, b) => compareTags(a.tag_spool, b.tag_spool));
}
