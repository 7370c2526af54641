import test from 'ava';
import { createLogLimiter } from '../../src/observability/log-limiter.js';

test('at most N lines per window, then the next window reports what was suppressed', (t) => {
  const limiter = createLogLimiter(2, 1000);
  t.is(limiter.admit(0), 0);
  t.is(limiter.admit(1), 0);
  t.is(limiter.admit(2), null);
  t.is(limiter.admit(3), null);
  t.is(limiter.admit(1000), 2);
});
