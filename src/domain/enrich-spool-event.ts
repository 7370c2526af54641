/**
 * Builds the outgoing event: the producer's fields as parsed plus the reserved `spoolcast`
 * enrichment (CONTRACT §2). Pure; serialised once here, then the same text goes to every client.
 */
import { toPlantIso } from './plant-time.js';
import type { Enrichment, SpoolEvent, WorkerRef } from './spool-event.js';

/**
 * `INITIALS(ID)` as the Python backend writes it: 1–10 letters (ASCII plus the Spanish
 * accented letters, since initials come from names) and an id of 1–9 ASCII digits, which
 * always fits a safe integer. No spaces or other decoration: anything else is not split.
 */
const WORKER_SHAPE = /^([A-Za-zÁÉÍÓÚÜÑáéíóúüñ]{1,10})\((\d{1,9})\)$/;
const ESTADO_SEPARATOR = ': ';

/** `estado_detalle` split at its first `: `; both null when it does not have that shape. */
export interface EstadoParts {
  operation: string | null;
  state: string | null;
}

/** Splits `worker_nombre` such as `MR(93)` into initials and numeric id; null if it does not match. */
export function splitWorker(worker_nombre: unknown): WorkerRef | null {
  if (typeof worker_nombre !== 'string') return null;
  const match = WORKER_SHAPE.exec(worker_nombre);
  if (!match) return null;
  return { initials: match[1] ?? '', id: Number(match[2]) };
}

/** Splits `estado_detalle` such as `ARM: En Progreso` at the first `: `; both null without one or with an empty side. */
export function splitEstado(estado: unknown): EstadoParts {
  if (typeof estado !== 'string') return { operation: null, state: null };
  const at = estado.indexOf(ESTADO_SEPARATOR);
  if (at <= 0 || at + ESTADO_SEPARATOR.length >= estado.length) {
    return { operation: null, state: null };
  }
  return { operation: estado.slice(0, at), state: estado.slice(at + ESTADO_SEPARATOR.length) };
}

/**
 * The outgoing JSON text: every producer field as parsed, in the producer's order, then
 * `spoolcast`. `storedAtMs` is when the event was stored (epoch ms); `timeZone` is the
 * plant's IANA zone. The event must come from parseSpoolEvent (no `spoolcast` key, bounded depth).
 */
export function enrichSpoolEvent(
  event: SpoolEvent,
  id: string,
  storedAtMs: number,
  timeZone: string,
): string {
  const { operation, state } = splitEstado(event.estado_detalle);
  const spoolcast: Enrichment = {
    id,
    received_at: new Date(storedAtMs).toISOString(),
    timestamp: typeof event.timestamp === 'string' ? toPlantIso(event.timestamp, timeZone) : null,
    worker: splitWorker(event.worker_nombre),
    operation,
    state,
  };
  // Spread keeps the producer's key order (JS puts integer-like keys first, as JSON.parse did).
  return JSON.stringify({ ...event, spoolcast });
}
