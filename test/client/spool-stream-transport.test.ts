import test from 'ava';
import type { SpoolStreamOptions } from '../../src/client/spool-stream.js';
import { encodeOffset } from '../../src/domain/stream-offset.js';
import { fakeHttp } from './fake-http.js';
import { connected, flush, startStream, update } from './fakes.js';

const URL_A = 'http://gw-a.test/api/sse/stream';
const STREAMS = 'http://gw-a.test/api/streams/spools';
const EPOCH = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const offset = (id: string) => encodeOffset(EPOCH, id);
const snapshot = (asOf: string, tags: string[] = []) => ({
  epoch: EPOCH,
  as_of: asOf,
  incomplete: false,
  spools: tags.map((tag) => ({ tag_spool: tag, status: null, last_event_id: asOf })),
  offset: offset(asOf),
});

/** A stream on fakes, with a fake fetch and every message and error recorded. */
function start(options: SpoolStreamOptions = {}) {
  const http = fakeHttp();
  const ids: string[] = [];
  const errors: string[] = [];
  const started = startStream(URL_A, {
    http: http.client,
    onMessage: (event) => ids.push(event.spoolcast.id),
    onError: (error) => errors.push(error.code),
    ...options,
  });
  return { ...started, http, ids, errors };
}

/** Falls back the way a buffering proxy makes it: the response opened, no frame in 5 s. */
async function fallBack(s: ReturnType<typeof start>) {
  s.sources.latest().emit('open', {});
  s.clock.advance(5000);
  await flush();
}

test('a stream that opened but sent no frame within 5 s goes to long-poll: snapshot, then reads from its offset', async (t) => {
  const s = start();
  await fallBack(s);
  t.true(s.sources.latest().isClosed);
  t.like(s.stream.getState(), { transport: 'long-poll', status: 'connecting' });
  t.deepEqual(s.errors, ['stream_buffered']);
  s.http.pending().answer(200, snapshot('5-0', ['S-1']));
  await flush();
  t.is(s.http.requests[0]?.url, 'http://gw-a.test/api/spools');
  t.like(s.stream.getState(), { status: 'live', lastEventId: '5-0', epoch: EPOCH });
  const poll = s.http.pending();
  t.is(poll.url, `${STREAMS}?offset=${offset('5-0')}&live=long-poll`);
  poll.answer(200, [update('5-0', 'TOMAR', 'S-1'), update('6-0', 'PAUSAR', 'S-1')], {
    'Stream-Next-Offset': offset('6-0'),
    'Stream-Cursor': '77',
  });
  await flush();
  t.deepEqual(s.ids, ['6-0'], 'the event already in the snapshot is not applied again');
  t.is(s.stream.getState().spools.get('S-1')?.status, 'paused');
  t.is(s.http.pending().url, `${STREAMS}?offset=${offset('6-0')}&live=long-poll&cursor=77`);
});

test('frames held back on a live stream switch to long-poll right after the last event applied', async (t) => {
  const s = start();
  const source = s.sources.latest();
  const startedAt = s.clock.now();
  const stamp = (ms: number) => new Date(startedAt + ms).toISOString();
  source.emit('connected', connected({ heartbeat_ms: 15_000, server_time: stamp(0) }));
  source.emit('snapshot', snapshot('1-0'), '1-0');
  source.emit('spool_update', update('2-0', 'TOMAR', 'S-1'), '2-0');
  s.clock.advance(20_000);
  // Sent at 1 s, delivered at 20 s: more than a heartbeat period late.
  source.emit('heartbeat', { bus: 'ok', last_event_id: '2-0', server_time: stamp(1000) });
  await flush();
  t.like(s.stream.getState(), { transport: 'long-poll', lastEventId: '2-0' });
  t.is(s.http.pending().url, `${STREAMS}?offset=${offset('2-0')}&live=long-poll`);
  s.http.pending().answer(204, '', { 'Stream-Next-Offset': offset('4-0') });
  await flush();
  t.like(s.stream.getState(), { status: 'live', lastEventId: '4-0' });
  t.deepEqual(s.ids, ['2-0']);
});

test('a request with no response after 5 s: a HEAD answering 200 means the proxy holds the headers too', async (t) => {
  const s = start();
  s.clock.advance(5000);
  await flush();
  t.is(s.probe.calls.length, 1);
  t.is(s.stream.getState().transport, 'long-poll');
  const unreachable = start();
  unreachable.probe.answer = null;
  unreachable.clock.advance(5000);
  await flush();
  t.is(
    unreachable.stream.getState().transport,
    'sse',
    'a gateway that does not answer is not a proxy',
  );
});

test('on long-poll, SSE is tried after sseRetryMs; once heartbeats flow the client switches back from its last id', async (t) => {
  const s = start({ transport: { sseRetryMs: 1000, sseRetryMaxMs: 1000 } });
  await fallBack(s);
  s.http.pending().answer(200, snapshot('5-0'));
  await flush();
  s.clock.advance(500); // the first trial: half of sseRetryMs with random() = 0
  const trial = s.sources.latest();
  t.is(trial.url, URL_A, 'a trial starts live: no cursor, no snapshot');
  const stamp = () => new Date(s.clock.now()).toISOString();
  trial.emit('connected', connected({ server_time: stamp() }));
  for (let n = 0; n < 2; n += 1) {
    s.clock.advance(1000);
    trial.emit('heartbeat', { bus: 'ok', last_event_id: null, server_time: stamp() });
  }
  await flush();
  t.true(trial.isClosed);
  t.is(s.sources.latest().url, `${URL_A}?snapshot=1&last_event_id=5-0`);
  t.is(s.stream.getState().transport, 'sse');
  t.true(s.http.requests.at(-1)?.isAborted, 'the long-poll in flight is dropped');
});

test('a trial whose first frame never comes fails; the next waits twice as long', async (t) => {
  const s = start({ transport: { sseRetryMs: 1000, sseRetryMaxMs: 8000 } });
  await fallBack(s);
  s.clock.advance(500);
  const made = s.sources.made.length;
  s.sources.latest().emit('open', {});
  s.clock.advance(5000);
  await flush();
  t.true(s.sources.latest().isClosed);
  s.clock.advance(999);
  t.is(s.sources.made.length, made, 'not before 1000 ms (2 × 1000, lower half with random() = 0)');
  s.clock.advance(1);
  t.is(s.sources.made.length, made + 1);
  t.is(s.stream.getState().transport, 'long-poll');
});

test('a 401 on the first long-poll read is unauthorized; after answers it is an expired token: onReauth, a new read', async (t) => {
  let reauths = 0;
  const s = start({
    onReauth: () => {
      reauths += 1;
    },
  });
  await fallBack(s);
  s.http.pending().answer(200, snapshot('5-0'));
  await flush();
  s.clock.advance(2000);
  s.http.pending().answer(401, '{}', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  await flush();
  t.is(reauths, 1);
  t.is(s.http.pending().url, `${STREAMS}?offset=${offset('5-0')}&live=long-poll`);
  s.http.pending().answer(401, '{}');
  await flush();
  t.is(s.stream.getState().status, 'unauthorized');
  t.deepEqual(s.errors.slice(-1), ['stream_unauthorized']);
  s.stream.reconnect();
  t.is(s.stream.getState().transport, 'long-poll', 'reconnect() stays on long-poll');
});

test('filters and a fresh query token go on every long-poll read', async (t) => {
  let n = 0;
  const s = start({ filter: { operation: ['ARM'] }, getToken: () => `t${++n}` });
  await fallBack(s);
  t.is(s.http.pending().url, `http://gw-a.test/api/spools?operation=ARM&access_token=t2`);
  s.http.pending().answer(200, snapshot('5-0'));
  await flush();
  t.is(
    s.http.pending().url,
    `${STREAMS}?operation=ARM&offset=${offset('5-0')}&live=long-poll&access_token=t3`,
  );
  t.false(JSON.stringify(s.stream.getState()).includes('t3'));
});

test('an offset the gateway no longer holds (410): a snapshot replaces the rows, then reads go on', async (t) => {
  const s = start({ lastEventId: '3-0', epoch: EPOCH });
  await fallBack(s);
  s.http.pending().answer(410, { error: 'offset_gone' });
  await flush();
  s.http.pending().answer(200, snapshot('9-0', ['NEW']));
  await flush();
  t.like(s.stream.getState(), { resync: 'offset_gone', lastEventId: '9-0', status: 'live' });
  t.deepEqual([...s.stream.getState().spools.keys()], ['NEW']);
  t.is(s.http.pending().url, `${STREAMS}?offset=${offset('9-0')}&live=long-poll`);
});

test('a cursor without its history: the epoch comes from a HEAD of the tail', async (t) => {
  const s = start({ lastEventId: '3-0' });
  await fallBack(s);
  const head = s.http.pending();
  t.is(head.method, 'HEAD');
  head.answer(200, '', { 'Stream-Next-Offset': offset('8-0') });
  await flush();
  t.is(s.http.pending().url, `${STREAMS}?offset=${offset('3-0')}&live=long-poll`);
});

test("mode 'sse' never falls back; mode 'long-poll' never tries SSE", async (t) => {
  const sse = start({ transport: { mode: 'sse' } });
  sse.sources.latest().emit('open', {});
  sse.clock.advance(5000);
  await flush();
  t.is(sse.http.requests.length, 0);
  const poll = start({ transport: { mode: 'long-poll', sseRetryMs: 10 } });
  t.is(poll.sources.made.length, 0);
  poll.clock.advance(60_000);
  t.is(poll.sources.made.length, 0);
  t.is(poll.stream.getState().transport, 'long-poll');
});

test('two streams in a row that sent connected and then nothing (a buffer a replay filled): long-poll', async (t) => {
  const s = start();
  for (let n = 0; n < 2; n += 1) {
    s.sources.latest().emit('connected', connected({ heartbeat_ms: 1000 }));
    s.clock.advance(2000);
    if (n === 0) t.is(s.stream.getState().status, 'stale');
    s.clock.advance(1000); // the backoff before the next stream
  }
  await flush();
  t.is(s.stream.getState().transport, 'long-poll');
  t.deepEqual(s.errors, ['stream_silent', 'stream_buffered']);
});

test('a stream silent after heartbeats (a frozen gateway, a dead socket) is stale, not held back', (t) => {
  const s = start();
  for (let n = 0; n < 3; n += 1) {
    s.sources.latest().emit('connected', connected({ heartbeat_ms: 1000 }));
    s.sources.latest().emit('heartbeat', { bus: 'ok' });
    s.clock.advance(3000);
  }
  t.is(s.stream.getState().transport, 'sse');
  t.is(s.sources.made.length, 4);
});
