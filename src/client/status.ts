/**
 * The connection status a screen shows, as a pure reducer over what the stream observed.
 * The shell (spool-stream.ts) feeds it inputs and reads `status` back; nothing here
 * touches a timer or a socket, so every rule is unit-tested with plain values.
 */

/**
 * - `connecting`: the first stream is opening, nothing received yet;
 * - `live`: the stream is open, frames arrive, and the gateway's bus is up;
 * - `stale`: the stream claims to be open but no frame came for 2 heartbeat periods
 *   (a frozen server, a dead mobile socket that never errors);
 * - `paused`: the stream is open but the gateway lost its bus: no update can flow;
 * - `reconnecting`: a stream that was open is being replaced;
 * - `offline`: no stream and none being tried right now (the browser is offline, the
 *   page is hidden with `closeWhenHidden`, or several attempts in a row failed);
 * - `unauthorized`: the gateway refused the token (401: none, expired, bad); no retry until
 *   the page has a new one and reconnects;
 * - `forbidden`: the token lacks the read scope (403); no retry until the page reconnects.
 */
export type StreamStatus =
  | 'connecting'
  | 'live'
  | 'stale'
  | 'paused'
  | 'reconnecting'
  | 'offline'
  | Refusal;

/** A definitive refusal of the stream by the gateway (docs/contract.md §3.1). */
export type Refusal = 'unauthorized' | 'forbidden';

/** What the reducer remembers. */
export interface StatusState {
  status: StreamStatus;
  /** A stream answered `connected` at least once (so a new attempt is a reconnect). */
  hasConnected: boolean;
  /** The current stream answered `connected` and has not dropped since. */
  isOpen: boolean;
  bus: 'ok' | 'down';
  /** Failed attempts since the last `connected`. */
  failures: number;
  isOnline: boolean;
  isSuspended: boolean;
  /** The gateway refused the last attempt; cleared by the next one. */
  refusal: Refusal | null;
}

/** One thing the shell observed. */
export type StatusInput =
  /** A new EventSource is being opened. */
  | { type: 'opening' }
  /** `connected` or `heartbeat` (they carry `bus`), or any other frame. */
  | { type: 'frame'; bus?: 'ok' | 'down'; isConnected?: boolean }
  /** The stream failed (error event); `isGivenUp` when the browser will not retry itself. */
  | { type: 'dropped'; isGivenUp: boolean }
  /** No frame for 2 heartbeat periods. */
  | { type: 'silent' }
  /** The browser went online or offline. */
  | { type: 'network'; isOnline: boolean }
  /** The stream was closed on purpose (page hidden) or resumed. */
  | { type: 'suspend'; isSuspended: boolean }
  /** The gateway answered 401 or 403: the shell stops retrying until told to reconnect. */
  | { type: 'refused'; refusal: Refusal };

/** Failed attempts in a row after which the screen says `offline` instead of `reconnecting`. */
export const OFFLINE_AFTER_FAILURES = 3;

/** The state before anything happened. */
export function initialStatusState(isOnline = true): StatusState {
  return {
    status: isOnline ? 'connecting' : 'offline',
    hasConnected: false,
    isOpen: false,
    bus: 'ok',
    failures: 0,
    isOnline,
    isSuspended: false,
    refusal: null,
  };
}

/** Folds one input into the state and derives the status. */
export function reduceStatus(state: StatusState, input: StatusInput): StatusState {
  const next = { ...state };
  let isSilent = false;
  switch (input.type) {
    case 'opening':
      next.isOpen = false;
      next.refusal = null;
      break;
    case 'frame':
      if (input.isConnected) {
        next.isOpen = true;
        next.hasConnected = true;
        next.failures = 0;
      }
      if (input.bus !== undefined) next.bus = input.bus;
      break;
    case 'dropped':
      next.failures = state.isOpen ? 1 : state.failures + 1;
      next.isOpen = false;
      break;
    case 'silent':
      // The shell replaces a silent stream; an attempt that never answered counts as failed.
      isSilent = state.isOpen;
      next.failures = state.isOpen ? 1 : state.failures + 1;
      break;
    case 'network':
      next.isOnline = input.isOnline;
      break;
    case 'suspend':
      next.isSuspended = input.isSuspended;
      if (input.isSuspended) next.isOpen = false;
      break;
    case 'refused':
      // An answer, not a network failure: a later retry starts counting afresh.
      next.refusal = input.refusal;
      next.isOpen = false;
      next.failures = 0;
      break;
  }
  next.status = deriveStatus(next, isSilent);
  return next;
}

function deriveStatus(state: StatusState, isSilent: boolean): StreamStatus {
  // First: only the page can end a refusal (a new token, a reconnect), so it must be told.
  if (state.refusal !== null) return state.refusal;
  if (!state.isOnline || state.isSuspended) return 'offline';
  if (isSilent) return 'stale';
  if (state.isOpen) return state.bus === 'down' ? 'paused' : 'live';
  if (state.failures >= OFFLINE_AFTER_FAILURES) return 'offline';
  return state.hasConnected ? 'reconnecting' : 'connecting';
}
