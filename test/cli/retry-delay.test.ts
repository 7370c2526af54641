import test from 'ava';
import { retryDelayMs } from '../../src/cli/retry-delay.js';

test('Retry-After in seconds wins, capped at 30 s', (t) => {
  t.is(retryDelayMs(0, '1'), 1000);
  t.is(retryDelayMs(4, '0'), 0);
  t.is(retryDelayMs(0, '3600'), 30_000);
});

test('without a usable Retry-After the wait doubles from 250 ms to at most 5 s', (t) => {
  t.deepEqual(
    [0, 1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(attempt, null)),
    [250, 500, 1000, 2000, 4000, 5000, 5000],
  );
  t.is(retryDelayMs(1, 'Wed, 21 Oct 2015 07:28:00 GMT'), 500);
});
