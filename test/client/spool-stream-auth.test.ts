import test from 'ava';
import type { SpoolStreamOptions } from '../../src/client/spool-stream.js';
import { connected, flush, startStream, update } from './fakes.js';

const URL_A = 'http://gw-a.test/api/sse/stream';

/** A stream in query-token mode whose getToken hands out tok-1, tok-2, … */
function withTokens(options: SpoolStreamOptions = {}) {
  let calls = 0;
  const started = startStream(URL_A, { getToken: () => `tok-${++calls}`, ...options });
  return { ...started, tokenCalls: () => calls };
}

test('getToken is asked on every connect; the token is in the EventSource URL, never in the state', (t) => {
  const { stream, sources, clock, tokenCalls } = withTokens({ filter: { operation: ['ARM'] } });
  t.is(sources.latest().url, `${URL_A}?operation=ARM&snapshot=1&access_token=tok-1`);
  t.is(stream.getState().url, `${URL_A}?operation=ARM&snapshot=1`);
  sources.latest().emit('connected', connected({ heartbeat_ms: 1000 }));
  sources.latest().emit('spool_update', update('7-0', 'TOMAR', 'S-1'), '7-0');
  clock.advance(2000 + 1000); // silent, then the first backoff
  t.is(tokenCalls(), 2);
  t.is(
    sources.latest().url,
    `${URL_A}?operation=ARM&snapshot=1&last_event_id=7-0&access_token=tok-2`,
  );
  t.false(JSON.stringify(stream.getState()).includes('tok-'));
  t.false(String(stream.getState().error?.message).includes('tok-'));
});

test('a getToken promise is awaited; a failing one backs off and is asked again', async (t) => {
  const answers = [Promise.reject(new Error('idp down')), Promise.resolve('late')];
  const { stream, sources, clock } = startStream(URL_A, {
    getToken: () => answers.shift() ?? 'none',
  });
  await flush();
  t.is(sources.made.length, 0);
  t.is(stream.getState().error?.code, 'token_unavailable');
  clock.advance(1000);
  await flush();
  t.regex(sources.latest().url, /access_token=late$/);
});

test('reauth: closed at once, reopened from the last id with a fresh token; the overlap is applied once', (t) => {
  const messages: string[] = [];
  const { stream, sources, clock, tokenCalls } = withTokens({
    onMessage: (event) => messages.push(event.spoolcast.id),
  });
  const first = sources.latest();
  first.emit('connected', connected({ heartbeat_ms: 60_000 }));
  first.emit('spool_update', update('7-0', 'TOMAR', 'S-1'), '7-0');
  clock.advance(5000);
  first.emit('reauth', { reason: 'token_expired' });
  t.true(first.isClosed);
  t.is(tokenCalls(), 2);
  t.regex(sources.latest().url, /last_event_id=7-0&access_token=tok-2$/);
  t.is(stream.getState().status, 'reconnecting');
  sources.latest().emit('connected', connected());
  sources.latest().emit('spool_update', update('7-0', 'TOMAR', 'S-1'), '7-0');
  sources.latest().emit('spool_update', update('8-0', 'PAUSAR', 'S-1'), '8-0');
  t.deepEqual(messages, ['7-0', '8-0']);
});

test('reauth in cookie mode waits for onReauth (the page refreshes its cookie) before reconnecting', async (t) => {
  let refreshed: () => void = () => undefined;
  const { sources, clock } = startStream(URL_A, {
    onReauth: () => new Promise<void>((resolve) => (refreshed = resolve)),
  });
  sources.latest().emit('connected', connected({ heartbeat_ms: 60_000 }));
  clock.advance(5000);
  sources.latest().emit('reauth', { reason: 'token_expired' });
  await flush();
  t.is(sources.made.length, 1);
  refreshed();
  await flush();
  t.is(sources.made.length, 2);
});

test('a reauth right after connecting (a token already expired) backs off instead of looping', (t) => {
  const { sources, clock } = withTokens();
  sources.latest().emit('connected', connected({ retry_ms: 2000 }));
  sources.latest().emit('reauth', { reason: 'token_expired' });
  t.is(sources.made.length, 1);
  clock.advance(1000); // half the server's retry, with random() = 0
  t.is(sources.made.length, 2);
});

test('401 before the stream opened: one HEAD of the same URL, then unauthorized and nothing more until reconnect()', async (t) => {
  const { stream, sources, clock, page, probe, tokenCalls } = withTokens({ withCredentials: true });
  probe.answer = { status: 401, challenge: 'Bearer realm="spoolcast", error="invalid_token"' };
  const url = sources.latest().url;
  sources.latest().fail(2);
  await flush();
  t.deepEqual(probe.calls, [{ url, withCredentials: true }]);
  t.is(stream.getState().status, 'unauthorized');
  t.is(stream.getState().error?.code, 'stream_unauthorized');
  t.is(clock.pending, 0);
  page.set({ online: false });
  page.set({ online: true });
  clock.advance(600_000);
  t.is(sources.made.length, 1);
  stream.reconnect();
  t.is(tokenCalls(), 2);
  t.is(stream.getState().status, 'connecting');
  sources.latest().emit('connected', connected());
  t.is(stream.getState().status, 'live');
});

test('403 before the stream opened: forbidden, no retry', async (t) => {
  const { stream, sources, clock, probe } = startStream(URL_A);
  probe.answer = { status: 403 };
  sources.latest().fail(2);
  await flush();
  t.is(stream.getState().status, 'forbidden');
  t.is(stream.getState().error?.code, 'stream_forbidden');
  clock.advance(600_000);
  t.is(sources.made.length, 1);
});

test("the browser's own reconnect refused after the stream had opened: a new attempt with a fresh token comes before any probe", async (t) => {
  const { sources, clock, probe, tokenCalls } = withTokens();
  sources.latest().emit('connected', connected({ retry_ms: 2000 }));
  sources.latest().fail(0);
  sources.latest().fail(2);
  await flush();
  t.deepEqual(probe.calls, []);
  clock.advance(1000);
  t.is(tokenCalls(), 2);
  t.is(sources.made.length, 2);
});

test("a heartbeat's newer last_event_id becomes the resume cursor of a quiet filtered screen", (t) => {
  const { stream, sources, clock } = startStream(URL_A, { filter: { worker: ['93'] } });
  sources.latest().emit('connected', connected({ heartbeat_ms: 1000 }));
  sources.latest().emit('spool_update', update('3-0', 'TOMAR', 'S-1'), '3-0');
  sources.latest().emit('heartbeat', { bus: 'ok', last_event_id: '10-0' });
  sources.latest().emit('heartbeat', { bus: 'ok', last_event_id: null });
  sources.latest().emit('heartbeat', { bus: 'ok', last_event_id: '9-0' });
  t.is(stream.getState().lastEventId, '10-0');
  t.is(stream.getState().lastEvent?.spoolcast.id, '3-0');
  clock.advance(2000 + 1000); // silent, then the first backoff
  t.is(sources.latest().url, `${URL_A}?worker=93&snapshot=1&last_event_id=10-0`);
});
