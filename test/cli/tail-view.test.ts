import test from 'ava';
import {
  INITIAL_VIEW_STATE,
  renderFrame,
  renderFrameJson,
  renderReconnecting,
} from '../../src/cli/tail-view.js';
import { printable, shouldUseColor, terminalStyle } from '../../src/cli/terminal-style.js';

const plain = terminalStyle(false);
const update = {
  event: 'spool_update',
  id: '1795805709843-0',
  data: JSON.stringify({
    event_type: 'TOMAR',
    tag_spool: 'SPOOL-001',
    worker_nombre: 'MR(93)',
    estado_detalle: 'ARM: En Progreso',
    spoolcast: {
      id: '1795805709843-0',
      timestamp: '2026-11-27T14:30:05-03:00',
      operation: 'ARM',
      state: 'En Progreso',
    },
  }),
};

test('an event is one line: time, type, tag, worker, operation: state, id', (t) => {
  const { lines } = renderFrame(update, INITIAL_VIEW_STATE, plain);
  t.deepEqual(lines, [
    '14:30:05 TOMAR        SPOOL-001        MR(93)     ARM: En Progreso         1795805709843-0',
  ]);
});

test('heartbeats print only when the bus state changes', (t) => {
  const beat = (bus: string) => ({ event: 'heartbeat', data: JSON.stringify({ bus }) });
  const connected = renderFrame(
    { event: 'connected', data: '{"bus":"ok","resumed_from":"5-0"}' },
    INITIAL_VIEW_STATE,
    plain,
  );
  t.deepEqual(connected.lines, ['── connected · resumed after 5-0 · bus ok']);
  const same = renderFrame(beat('ok'), connected.state, plain);
  const down = renderFrame(beat('down'), same.state, plain);
  const back = renderFrame(beat('ok'), down.state, plain);
  t.deepEqual([same.lines.length, down.lines.length, back.lines.length], [0, 1, 1]);
  t.regex(down.lines[0] ?? '', /bus down: no event can flow/);
});

test('resync, snapshot (one row per spool) and reauth are status lines', (t) => {
  const lines = (frame: { event: string; id?: string; data: string }) =>
    renderFrame(frame, INITIAL_VIEW_STATE, plain).lines;
  t.deepEqual(lines({ event: 'resync', data: '{"reason":"cursor_too_old"}' }), [
    '── resync (cursor_too_old): a snapshot follows',
  ]);
  t.deepEqual(
    lines({
      event: 'snapshot',
      id: '9-0',
      data: '{"spools":[{"tag_spool":"S-1","status":"occupied","worker_nombre":"MR(93)","estado_detalle":"ARM: x"}]}',
    }),
    ['── snapshot as of 9-0: 1 spool', '   S-1              occupied   MR(93)     ARM: x'],
  );
  t.regex(
    lines({ event: 'reauth', data: '{"reason":"token_expired"}' })[0] ?? '',
    /reauth \(token_expired\)/,
  );
});

test('colour only when asked: ANSI on, none off; NO_COLOR beats a TTY, FORCE_COLOR a pipe', (t) => {
  t.true(
    (renderFrame(update, INITIAL_VIEW_STATE, terminalStyle(true)).lines[0] ?? '').includes(
      '\x1b[32mTOMAR',
    ),
  );
  t.false((renderFrame(update, INITIAL_VIEW_STATE, plain).lines[0] ?? '').includes('\x1b'));
  t.false(shouldUseColor(true, { NO_COLOR: '1' }));
  t.true(shouldUseColor(false, { FORCE_COLOR: '1' }));
  t.deepEqual(
    [shouldUseColor(true, {}), shouldUseColor(false, {}), shouldUseColor(true, { TERM: 'dumb' })],
    [true, false, false],
  );
});

test('a producer field cannot send escape sequences to the terminal', (t) => {
  t.is(printable('MR\x1b[2J(93)\n'), 'MR\\u001b[2J(93)\\u000a');
  const hostile = {
    event: 'spool_update',
    data: JSON.stringify({ event_type: 'X', tag_spool: 'T', worker_nombre: '\x1b]0;pwned\x07' }),
  };
  t.false((renderFrame(hostile, INITIAL_VIEW_STATE, plain).lines[0] ?? '').includes('\x1b'));
});

test('--json prints each frame as {event, id, data} with data parsed', (t) => {
  t.is(
    renderFrameJson({ event: 'heartbeat', data: '{"bus":"ok"}' }),
    '{"event":"heartbeat","id":null,"data":{"bus":"ok"}}',
  );
  t.is(
    renderFrameJson({ event: 'x', id: '1-0', data: 'not json' }),
    '{"event":"x","id":"1-0","data":"not json"}',
  );
});

test('a reconnection says why, when, and after which id', (t) => {
  t.is(
    renderReconnecting('the stream ended', 2300, '7-0', plain),
    '── reconnecting in 2.3 s (the stream ended), resuming after 7-0',
  );
});
