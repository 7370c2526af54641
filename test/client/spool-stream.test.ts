import test from 'ava';
import type { SpoolStreamOptions } from '../../src/client/spool-stream.js';
import { connected, flush, startStream, update } from './fakes.js';

const URL_A = 'http://gw-a.test/api/sse/stream';

const start = (options: SpoolStreamOptions = {}) => startStream(URL_A, options);

test('connecting, then live on connected; the snapshot gives the spools', (t) => {
  const { stream, sources } = start();
  t.is(stream.getState().status, 'connecting');
  t.is(sources.latest().url, `${URL_A}?snapshot=1`);
  sources.latest().emit('connected', connected());
  t.is(stream.getState().status, 'live');
  sources.latest().emit(
    'snapshot',
    {
      epoch: 'e',
      as_of: '5-0',
      incomplete: false,
      spools: [{ tag_spool: 'S-1', status: 'paused' }],
    },
    '5-0',
  );
  t.is(stream.getState().spools.get('S-1')?.status, 'paused');
  t.is(stream.getState().lastEventId, '5-0');
});

test('each spool_update patches its row; a repeated id is applied once', (t) => {
  const { stream, sources } = start();
  const messages: string[] = [];
  const source = sources.latest();
  source.emit('connected', connected());
  source.emit('snapshot', { epoch: 'e', as_of: '1-0', incomplete: false, spools: [] }, '1-0');
  source.emit('spool_update', update('2-0', 'TOMAR', 'S-1'), '2-0');
  source.emit('spool_update', update('2-0', 'TOMAR', 'S-1'), '2-0');
  source.emit('spool_update', update('3-0', 'PAUSAR', 'S-1', 'ARM: Pausado'), '3-0');
  const row = stream.getState().spools.get('S-1');
  t.like(row, {
    status: 'paused',
    worker_nombre: 'MR(93)',
    operation: 'ARM',
    last_event_id: '3-0',
  });
  t.is(stream.getState().lastEvent?.spoolcast.id, '3-0');
  stream.subscribe(() => messages.push('change'));
  source.emit('spool_update', update('3-0', 'PAUSAR', 'S-1'), '3-0');
  t.is(stream.getState().spools.get('S-1')?.estado_detalle, 'ARM: Pausado');
});

test('a resync then snapshot replaces every row', (t) => {
  const { stream, sources } = start();
  const source = sources.latest();
  source.emit('connected', connected());
  source.emit('spool_update', update('2-0', 'TOMAR', 'OLD'), '2-0');
  source.emit('resync', { reason: 'cursor_too_old', epoch: 'e2' });
  t.is(stream.getState().resync, 'cursor_too_old');
  source.emit(
    'snapshot',
    { epoch: 'e2', as_of: '9-0', incomplete: false, spools: [{ tag_spool: 'NEW', status: null }] },
    '9-0',
  );
  t.deepEqual([...stream.getState().spools.keys()], ['NEW']);
});

test('bus down in a heartbeat pauses; bus up makes it live again', (t) => {
  const { stream, sources, statuses } = start();
  const source = sources.latest();
  source.emit('connected', connected());
  source.emit('heartbeat', { bus: 'down' });
  t.is(stream.getState().status, 'paused');
  source.emit('heartbeat', { bus: 'ok' });
  t.deepEqual(statuses, ['live', 'paused', 'live']);
});

test('no frame for 2 heartbeat periods: stale, then a new EventSource from the last id, on the next URL', (t) => {
  const { stream, sources, clock } = start({ alternates: ['http://gw-b.test/api/sse/stream'] });
  const first = sources.latest();
  first.emit('connected', connected({ heartbeat_ms: 1000 }));
  first.emit('spool_update', update('7-0', 'TOMAR', 'S-1'), '7-0');
  clock.advance(1999);
  t.is(stream.getState().status, 'live');
  clock.advance(1);
  t.is(stream.getState().status, 'stale');
  t.true(first.isClosed);
  t.is(sources.made.length, 1);
  // First backoff: half the server's retry (2000 ms) with random() = 0.
  clock.advance(1000);
  t.is(sources.made.length, 2);
  t.is(sources.latest().url, 'http://gw-b.test/api/sse/stream?snapshot=1&last_event_id=7-0');
  t.is(stream.getState().status, 'reconnecting');
  sources.latest().emit('connected', connected());
  t.is(stream.getState().status, 'live');
});

test('the browser retrying by itself keeps the same EventSource; a late frame of a replaced one is ignored', (t) => {
  const { stream, sources, clock } = start();
  const first = sources.latest();
  first.emit('connected', connected());
  first.fail(0);
  t.is(stream.getState().status, 'reconnecting');
  t.is(sources.made.length, 1);
  first.emit('connected', connected());
  t.is(stream.getState().status, 'live');
  clock.advance(2000); // silent: replaced
  clock.advance(60_000);
  first.emit('spool_update', update('8-0', 'TOMAR', 'LATE'), '8-0');
  t.false(stream.getState().spools.has('LATE'));
});

test('a refused stream (readyState CLOSED) is probed, then retried with capped, growing backoff; offline after 3 failures', async (t) => {
  const { stream, sources, clock, probe } = start({ backoff: { baseMs: 1000, maxMs: 4000 } });
  const opens: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const before = clock.now();
    sources.latest().fail(2);
    await flush();
    const count = sources.made.length;
    while (sources.made.length === count) clock.advance(100);
    opens.push(clock.now() - before);
  }
  // random() = 0 → half of base × 2^n, capped at maxMs: 500, 1000, 2000, 2000, 2000 (±100 ms steps).
  t.deepEqual(
    opens.map((ms) => Math.ceil(ms / 100) * 100),
    [500, 1000, 2000, 2000, 2000],
  );
  t.is(stream.getState().status, 'offline');
  t.is(stream.getState().error?.code, 'stream_refused');
  t.is(probe.calls.length, 5);
  sources.latest().emit('connected', connected());
  t.is(stream.getState().status, 'live');
  t.is(stream.getState().error, null);
});

test('closeWhenHidden closes while hidden and catches up from the last id on return', (t) => {
  const { stream, sources, page } = start({ closeWhenHidden: true });
  sources.latest().emit('connected', connected());
  sources.latest().emit('spool_update', update('4-0', 'TOMAR', 'S-1'), '4-0');
  page.set({ hidden: true });
  t.true(sources.latest().isClosed);
  t.is(stream.getState().status, 'offline');
  page.set({ hidden: false });
  t.is(sources.made.length, 2);
  t.regex(sources.latest().url, /last_event_id=4-0/);
  t.is(stream.getState().status, 'reconnecting');
});

test('offline while the browser is offline; back online reconnects at once', (t) => {
  const { stream, sources, page } = start();
  sources.latest().emit('connected', connected());
  page.set({ online: false });
  t.is(stream.getState().status, 'offline');
  sources.latest().fail(0);
  page.set({ online: true });
  t.is(sources.made.length, 2);
  t.is(stream.getState().status, 'reconnecting');
});

test('onConnectionChange reports live or not; close stops every timer', (t) => {
  const changes: boolean[] = [];
  const { stream, sources, clock } = start({ onConnectionChange: (c) => changes.push(c) });
  sources.latest().emit('connected', connected());
  sources.latest().emit('heartbeat', { bus: 'down' });
  t.deepEqual(changes, [true, false]);
  stream.close();
  t.is(clock.pending, 0);
  t.true(sources.latest().isClosed);
});
