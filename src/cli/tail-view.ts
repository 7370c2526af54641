/**
 * What `tail` prints for each frame and each change of connection, as pure functions: one
 * line per event (time, event type, tag, worker, operation: state, id), a `──` line for each
 * status change (connected, bus down/ok from heartbeats, resync, snapshot, reauth,
 * reconnecting), or one JSON object per frame for scripts.
 */
import { printable, type TerminalStyle } from './terminal-style.js';

/** One SSE frame as the parser hands it over. */
export interface TailFrame {
  /** The `event:` field (`message` when absent). */
  event: string;
  id?: string | undefined;
  data: string;
}

/** What the view remembers between frames: the last bus state shown, to print only changes. */
export interface TailViewState {
  bus: string | null;
}

/** The state before the first frame. */
export const INITIAL_VIEW_STATE: TailViewState = { bus: null };

type Json = Record<string, unknown>;

/** The lines for `frame` and the state after it (a heartbeat prints only when `bus` changed). */
export function renderFrame(
  frame: TailFrame,
  state: TailViewState,
  style: TerminalStyle,
): { lines: string[]; state: TailViewState } {
  const data = parseObject(frame.data);
  const status = (text: string) => style.dim(`── ${text}`);
  switch (frame.event) {
    case 'spool_update':
      return { lines: [renderUpdate(data, frame.id, style)], state };
    case 'connected': {
      const bus = text(data.bus) ?? 'unknown';
      const from = text(data.resumed_from);
      const where =
        from === null
          ? `live (newest ${text(data.last_event_id) ?? 'none yet'})`
          : `resumed after ${from}`;
      return {
        lines: [status(`connected · ${where} · bus ${paintBus(bus, style)}`)],
        state: { bus },
      };
    }
    case 'heartbeat': {
      const bus = text(data.bus) ?? 'unknown';
      if (bus === state.bus) return { lines: [], state };
      const line =
        bus === 'ok'
          ? `bus ${paintBus(bus, style)}: events flow again`
          : `bus ${paintBus(bus, style)}: no event can flow until the gateway reaches Redis`;
      return { lines: [status(line)], state: { bus } };
    }
    case 'resync':
      return {
        lines: [status(style.yellow(`resync (${text(data.reason) ?? '?'}): a snapshot follows`))],
        state,
      };
    case 'snapshot':
      return { lines: renderSnapshot(data, frame.id, style), state };
    case 'reauth':
      return {
        lines: [
          status(
            style.yellow(
              `reauth (${text(data.reason) ?? '?'}): the stream ends; a fresh token is needed`,
            ),
          ),
        ],
        state,
      };
    default:
      return {
        lines: [status(`${printable(frame.event)} ${printable(frame.data).slice(0, 160)}`)],
        state,
      };
  }
}

/** One JSON object per frame: `{"event","id","data"}` with `data` parsed when it is JSON. */
export function renderFrameJson(frame: TailFrame): string {
  let data: unknown = frame.data;
  try {
    data = JSON.parse(frame.data);
  } catch {
    // not JSON: kept as text
  }
  return JSON.stringify({ event: frame.event, id: frame.id ?? null, data });
}

/** The line for a reconnection: why, how long until, and the id it resumes after. */
export function renderReconnecting(
  reason: string,
  delayMs: number,
  lastEventId: string | null,
  style: TerminalStyle,
): string {
  const after = lastEventId === null ? 'from now' : `after ${lastEventId}`;
  return style.dim(
    `── ${style.yellow('reconnecting')} in ${(delayMs / 1000).toFixed(1)} s (${printable(reason)}), resuming ${after}`,
  );
}

function renderUpdate(data: Json, id: string | undefined, style: TerminalStyle): string {
  const meta = (
    typeof data.spoolcast === 'object' && data.spoolcast !== null ? data.spoolcast : {}
  ) as Json;
  const time = (text(meta.timestamp) ?? text(meta.received_at) ?? '').slice(11, 19).padEnd(8);
  const type = text(data.event_type) ?? '?';
  const operation = text(meta.operation);
  const state = text(meta.state);
  const doing =
    operation !== null ? `${operation}: ${state ?? ''}`.trim() : (text(data.estado_detalle) ?? '');
  return [
    style.dim(time),
    paintType(printable(type).padEnd(12), style),
    style.bold(printable(text(data.tag_spool) ?? '?').padEnd(16)),
    printable(text(data.worker_nombre) ?? '-').padEnd(10),
    printable(doing).padEnd(24),
    style.dim(id ?? ''),
  ]
    .join(' ')
    .trimEnd();
}

function renderSnapshot(data: Json, id: string | undefined, style: TerminalStyle): string[] {
  const spools = Array.isArray(data.spools) ? (data.spools as Json[]) : [];
  const incomplete = data.incomplete === true ? style.red(' (incomplete: history was lost)') : '';
  const head = style.dim(
    `── snapshot as of ${id ?? text(data.as_of) ?? '?'}: ${spools.length} spool${spools.length === 1 ? '' : 's'}${incomplete}`,
  );
  const rows = spools.map((row) =>
    [
      '  ',
      style.bold(printable(text(row.tag_spool) ?? '?').padEnd(16)),
      printable(text(row.status) ?? '-').padEnd(10),
      printable(text(row.worker_nombre) ?? '-').padEnd(10),
      printable(text(row.estado_detalle) ?? ''),
    ]
      .join(' ')
      .trimEnd(),
  );
  return [head, ...rows];
}

function paintType(label: string, style: TerminalStyle): string {
  const type = label.trim();
  if (type === 'TOMAR') return style.green(label);
  if (type === 'PAUSAR') return style.yellow(label);
  if (type === 'COMPLETAR') return style.blue(label);
  return style.magenta(label);
}

function paintBus(bus: string, style: TerminalStyle): string {
  return bus === 'ok' ? style.green(bus) : style.red(bus);
}

function parseObject(raw: string): Json {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Json)
      : {};
  } catch {
    return {};
  }
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}
