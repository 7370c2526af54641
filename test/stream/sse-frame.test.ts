import test from 'ava';
import {
  formatConnected,
  formatFrame,
  formatHeartbeat,
  formatResync,
  formatRetry,
  formatSnapshot,
  formatSpoolUpdate,
  jitterRetryMs,
} from '../../src/stream/sse-frame.js';

test('spool_update frame has id, event and one data line', (t) => {
  t.is(
    formatSpoolUpdate('1764264605123-0', '{"a":1}'),
    'id: 1764264605123-0\nevent: spool_update\ndata: {"a":1}\n\n',
  );
});

test('connected frame carries server time, last id, bus, resume cursor and heartbeat period, and no id line', (t) => {
  t.is(
    formatConnected(Date.UTC(2026, 10, 27, 17, 30, 5, 123), {
      lastEventId: '5-0',
      bus: 'ok',
      resumedFrom: '3-0',
      heartbeatMs: 15000,
      retryMs: 2345,
    }),
    'event: connected\ndata: {"server_time":"2026-11-27T17:30:05.123Z","last_event_id":"5-0","bus":"ok","resumed_from":"3-0","heartbeat_ms":15000,"retry_ms":2345}\n\n',
  );
});

test('connected frame of a fresh start has a null resume cursor', (t) => {
  t.is(
    formatConnected(0, {
      lastEventId: null,
      bus: 'down',
      resumedFrom: null,
      heartbeatMs: 500,
      retryMs: 1000,
    }),
    'event: connected\ndata: {"server_time":"1970-01-01T00:00:00.000Z","last_event_id":null,"bus":"down","resumed_from":null,"heartbeat_ms":500,"retry_ms":1000}\n\n',
  );
});

test('heartbeat frame reports the bus state and the newest event id', (t) => {
  t.is(
    formatHeartbeat(0, 'down', '7-0'),
    'event: heartbeat\ndata: {"server_time":"1970-01-01T00:00:00.000Z","bus":"down","last_event_id":"7-0"}\n\n',
  );
  t.is(
    formatHeartbeat(0, 'ok', null),
    'event: heartbeat\ndata: {"server_time":"1970-01-01T00:00:00.000Z","bus":"ok","last_event_id":null}\n\n',
  );
});

test('data with line breaks becomes several data lines', (t) => {
  t.is(formatFrame({ event: 'x', data: 'a\nb\r\nc' }), 'event: x\ndata: a\ndata: b\ndata: c\n\n');
});

test('retry frame and its jitter stay within base..2×base', (t) => {
  t.is(formatRetry(2500), 'retry: 2500\n\n');
  t.is(
    jitterRetryMs(2000, () => 0),
    2000,
  );
  t.is(
    jitterRetryMs(2000, () => 0.999),
    3998,
  );
});

test('snapshot frame carries as_of as its id, so a reconnect resumes after it', (t) => {
  t.is(
    formatSnapshot('7-0', '{"as_of":"7-0"}'),
    'id: 7-0\nevent: snapshot\ndata: {"as_of":"7-0"}\n\n',
  );
});

test('resync frame names the reason and the epoch, with no id', (t) => {
  t.is(
    formatResync('cursor_too_old', 'e1'),
    'event: resync\ndata: {"reason":"cursor_too_old","epoch":"e1"}\n\n',
  );
});

test('snapshot and generic frames escape U+2028, U+2029 and U+0085 in their data', (t) => {
  t.is(
    formatSnapshot('7-0', '{"w":"a\u2028b"}'),
    'id: 7-0\nevent: snapshot\ndata: {"w":"a\\u2028b"}\n\n',
  );
  t.is(
    formatFrame({ event: 'x', data: '{"w":"\u2029\u0085"}' }),
    'event: x\ndata: {"w":"\\u2029\\u0085"}\n\n',
  );
});
