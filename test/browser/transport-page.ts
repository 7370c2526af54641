/**
 * A test page around the browser client for the transport tests: the stream URL from
 * `?stream=`, `?sseRetry=<ms>` shortens the wait before SSE is tried again, and what it
 * observes goes on `window.spoolcast`: every event applied (its id), the transports it
 * went through, the status, the position, and a log of statuses and errors (for a test
 * that fails to say what happened).
 */
import { connectSpoolStream } from '../../src/client/index.js';

interface Observed {
  ids: string[];
  transports: string[];
  status: string;
  transport: string;
  position: string | null;
  log: string[];
}

const params = new URLSearchParams(location.search);
const retryMs = Number(params.get('sseRetry') ?? 0);
const observed: Observed = {
  ids: [],
  transports: [],
  status: '',
  transport: '',
  position: null,
  log: [],
};
(window as unknown as { spoolcast: Observed }).spoolcast = observed;
const log = (line: string) => observed.log.push(`${new Date().toISOString()} ${line}`);
const stream = connectSpoolStream(params.get('stream') as string, {
  backoff: { baseMs: 200, maxMs: 1000 },
  ...(retryMs > 0 && { transport: { sseRetryMs: retryMs, sseRetryMaxMs: 2 * retryMs } }),
  onMessage: (event) => observed.ids.push(event.spoolcast.id),
  onError: (error) => log(`${error.code}: ${error.message}`),
  onStatus: (status) => log(status),
});
const copy = () => {
  const state = stream.getState();
  if (state.transport !== observed.transport) observed.transports.push(state.transport);
  observed.status = state.status;
  observed.transport = state.transport;
  observed.position = state.lastEventId;
};
stream.subscribe(copy);
copy();
