import test from 'ava';
import { judgeClient } from '../../src/stream/slow-client-rule.js';

const limits = { sendTimeoutMs: 1000, maxBufferedBytes: 10_000 };

test('a client with nothing pending is fine however long it has been', (t) => {
  const judged = judgeClient(
    { writtenBytes: 500, flushedBytes: 500, lastProgressAtMs: 0 },
    0,
    60_000,
    limits,
  );
  t.is(judged.verdict, 'ok');
  t.is(judged.lastProgressAtMs, 60_000);
});

test('a client that lags but drained some bytes since the last look is kept', (t) => {
  const judged = judgeClient(
    { writtenBytes: 9000, flushedBytes: 1000, lastProgressAtMs: 0 },
    7000,
    5000,
    limits,
  );
  t.is(judged.verdict, 'ok');
  t.is(judged.flushedBytes, 2000);
  t.is(judged.lastProgressAtMs, 5000);
});

test('no progress for the whole send timeout while data waits is a send_timeout', (t) => {
  const state = { writtenBytes: 3000, flushedBytes: 1000, lastProgressAtMs: 0 };
  t.is(judgeClient(state, 2000, 999, limits).verdict, 'ok');
  t.is(judgeClient(state, 2000, 1000, limits).verdict, 'send_timeout');
});

test('pending data over the cap is a buffer_overflow even while progressing', (t) => {
  const judged = judgeClient(
    { writtenBytes: 50_000, flushedBytes: 0, lastProgressAtMs: 0 },
    10_001,
    1,
    limits,
  );
  t.is(judged.verdict, 'buffer_overflow');
});
