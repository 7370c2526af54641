/**
 * `useSpoolStream(url, options)` (`spoolcast/react`): the browser client as a React hook.
 * One connection per `url` and filter whatever identity `options` has on each render:
 * options are read through a ref (callbacks and `getToken` always the latest render's), and
 * only a new `url` or a different filter reconnects. Callback names match the shop-floor
 * app's own hook (`onMessage`, `onConnectionChange`, `onError`, `openWhenHidden`), so it
 * can switch by changing one import.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import {
  type ConnectOptions,
  connectSpoolStream,
  type EnrichedSpoolEvent,
  filterKey,
  type SpoolRows,
  type SpoolStreamError,
  type SpoolStreamHandle,
  type SpoolStreamState,
  type StreamStatus,
  type Transport,
} from './index.js';
import { initialStreamState } from './stream-state.js';

/** Hook options: the client's, plus `openWhenHidden` from the app's hook. */
export interface UseSpoolStreamOptions extends ConnectOptions {
  /** `false` closes the stream while the page is hidden (catching up on return); default true. */
  openWhenHidden?: boolean;
}

/** What the hook returns on every render. */
export interface SpoolStreamView {
  /** Includes `unauthorized` and `forbidden`: show a login prompt, then call `reconnect()`. */
  status: StreamStatus;
  /** `sse`, or `long-poll` while a proxy holds the stream back (docs/client.md). */
  transport: Transport;
  /** `status === 'live'`: updates are flowing. */
  isConnected: boolean;
  spools: SpoolRows;
  lastEvent: EnrichedSpoolEvent | null;
  lastEventId: string | null;
  lastEventAt: number | null;
  error: SpoolStreamError | null;
  /** Opens a new stream now (asking `getToken` again), e.g. after the user logged in again. */
  reconnect: () => void;
}

const IDLE: SpoolStreamState = initialStreamState('', 'connecting', null, undefined);
const noSubscription = () => () => undefined;

/** Live spools and connection status from the gateway stream at `url` (null: not connected). */
export function useSpoolStream(
  url: string | null,
  options: UseSpoolStreamOptions = {},
): SpoolStreamView {
  const latest = useRef(options);
  latest.current = options;
  const [handle, setHandle] = useState<SpoolStreamHandle | null>(null);
  const selection = filterKey(options.filter);

  // `selection` stands for options.filter, read through the ref: equal filters, one stream.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter must reconnect
  useEffect(() => {
    if (url === null) return;
    const {
      onMessage: _m,
      onStatus: _s,
      onConnectionChange: _c,
      onError: _e,
      onReauth: _r,
      getToken,
      openWhenHidden,
      ...settings
    } = latest.current;
    const stream = connectSpoolStream(url, {
      ...settings,
      closeWhenHidden: settings.closeWhenHidden ?? openWhenHidden === false,
      // The mode (query token or not) is the first render's; the function the latest one's.
      ...(getToken && { getToken: () => (latest.current.getToken ?? getToken)() }),
      onReauth: () => latest.current.onReauth?.(),
      // Always the callbacks of the latest render, without reconnecting for them.
      onMessage: (event) => latest.current.onMessage?.(event),
      onStatus: (status, previous) => latest.current.onStatus?.(status, previous),
      onConnectionChange: (isConnected) => latest.current.onConnectionChange?.(isConnected),
      onError: (error) => latest.current.onError?.(error),
    });
    setHandle(stream);
    return () => {
      stream.close();
      setHandle(null);
    };
  }, [url, selection]);

  const subscribe = useCallback(
    (listener: () => void) => (handle ? handle.subscribe(listener) : noSubscription()),
    [handle],
  );
  const getState = useCallback(() => (handle ? handle.getState() : IDLE), [handle]);
  const reconnect = useCallback(() => handle?.reconnect(), [handle]);
  const state = useSyncExternalStore(subscribe, getState, getState);
  return {
    status: state.status,
    transport: state.transport,
    isConnected: state.status === 'live',
    spools: state.spools,
    lastEvent: state.lastEvent,
    lastEventId: state.lastEventId,
    lastEventAt: state.lastEventAt,
    error: state.error,
    reconnect,
  };
}
