/**
 * Builds the outgoing event: the producer's fields as parsed plus the reserved `spoolcast`
 * enrichment (docs/contract.md §2). Pure; serialised once here, then the same text goes to every client.
 */
import { escapeLineSeparators } from './json-text.js';
import { toPlantIso } from './plant-time.js';
import type { SpoolEvent, WorkerRef } from './spool-event.js';

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

const DAY_MS = 86_400_000;
let cachedDayStartMs = Number.NaN;
let cachedDayPrefix = '';

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * `new Date(ms).toISOString()` without building a Date for every event: the date part is
 * cached per UTC day and the time part is arithmetic (this runs once per event framed).
 */
export function isoOfMs(ms: number): string {
  const dayStartMs = Math.floor(ms / DAY_MS) * DAY_MS;
  if (dayStartMs !== cachedDayStartMs) {
    // Outside years 0000–9999 toISOString uses the extended form; let it handle those.
    if (ms < -62_167_219_200_000 || ms >= 253_402_300_800_000) return new Date(ms).toISOString();
    cachedDayStartMs = dayStartMs;
    cachedDayPrefix = new Date(dayStartMs).toISOString().slice(0, 11);
  }
  const inDay = ms - dayStartMs;
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor((inDay % 3_600_000) / 60_000);
  const seconds = Math.floor((inDay % 60_000) / 1000);
  return `${cachedDayPrefix}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(inDay % 1000, 3)}Z`;
}

/** Where the id and `received_at` go in an enrichment template: never in JSON text. */
const TEMPLATE_GAP = '\u0000';

/**
 * The outgoing JSON text with the two fields only storage knows (the id and
 * `received_at`) left out, joined around a NUL: this is what the write side stores, and
 * the read side finishes it with `fillEnrichmentTemplate` once the id is known, with no
 * parse (docs/contract.md §2, ARCHITECTURE.md).
 * Every producer field comes in the producer's order, then `spoolcast`. With `raw` (the
 * text the producer sent) on one line, the producer's fields are kept byte for byte (exact
 * for numbers beyond 2^53); a multi-line raw text (pretty-printed JSON) is serialised
 * again, since an SSE data line cannot hold a line break. The event must come from
 * parseSpoolEvent (an object with no `spoolcast` key, bounded depth).
 */
export function enrichmentTemplate(event: SpoolEvent, timeZone: string, raw?: string): string {
  const { operation, state } = splitEstado(event.estado_detalle);
  const worker = splitWorker(event.worker_nombre);
  const timestamp =
    typeof event.timestamp === 'string' ? toPlantIso(event.timestamp, timeZone) : null;
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  // parseSpoolEvent accepted a non-empty object, so its last `}` closes it and only
  // whitespace can follow; JSON.stringify keeps the producer's key order (integer-like
  // keys first, as JSON.parse did).
  const fields =
    raw !== undefined && !raw.includes('\n') && !raw.includes('\r')
      ? raw.slice(0, raw.lastIndexOf('}'))
      : JSON.stringify(event).slice(0, -1);
  const workerJson =
    worker === null ? 'null' : `{"initials":${JSON.stringify(worker.initials)},"id":${worker.id}}`;
  const tail =
    `,"timestamp":${text(timestamp)},"worker":${workerJson},` +
    `"operation":${text(operation)},"state":${text(state)}}}`;
  // U+2028/U+2029/U+0085 are escaped in the output (same JSON value): some SSE and JS line
  // readers split on them, and two screens must never parse one frame differently.
  return `${escapeLineSeparators(`${fields},"spoolcast":{"id":`)}${TEMPLATE_GAP}${escapeLineSeparators(tail)}`;
}

/**
 * Finishes a template with the event's id and storage time (epoch ms); null when `template`
 * has no gap (a stored record spoolcast did not write).
 */
export function fillEnrichmentTemplate(
  template: string,
  id: string,
  storedAtMs: number,
): string | null {
  const gap = template.indexOf(TEMPLATE_GAP);
  if (gap < 0) return null;
  return `${template.slice(0, gap)}${JSON.stringify(id)},"received_at":"${isoOfMs(storedAtMs)}"${template.slice(gap + 1)}`;
}

/**
 * The outgoing JSON text of a stored event: its template filled in. `storedAtMs` is when
 * the event was stored (epoch ms); `timeZone` is the plant's IANA zone.
 */
export function enrichSpoolEvent(
  event: SpoolEvent,
  id: string,
  storedAtMs: number,
  timeZone: string,
  raw?: string,
): string {
  return fillEnrichmentTemplate(enrichmentTemplate(event, timeZone, raw), id, storedAtMs) as string;
}
