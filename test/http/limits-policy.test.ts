import test from 'ava';
import { AddressSlots } from '../../src/http/address-slots.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';

test('a rate of 2 per second lets a burst of 2 through, then says how long to wait, per key', (t) => {
  const limiter = new RateLimiter(2);
  t.is(limiter.take('a', 0), 0);
  t.is(limiter.take('a', 0), 0);
  t.is(limiter.take('a', 0), 500);
  t.is(limiter.take('b', 0), 0, 'another key has its own bucket');
  t.is(limiter.take('a', 500), 0, 'half a second refills one');
  t.is(new RateLimiter(0).take('a', 0), 0, '0 is unlimited');
});

test('an address holds at most its slots; a released slot is free again', (t) => {
  const slots = new AddressSlots(2);
  t.true(slots.acquire('10.0.0.1'));
  t.true(slots.acquire('10.0.0.1'));
  t.false(slots.acquire('10.0.0.1'));
  t.true(slots.acquire('10.0.0.2'));
  slots.release('10.0.0.1');
  t.true(slots.acquire('10.0.0.1'));
  t.false(slots.acquire('10.0.0.1'));
  t.is(slots.size, 2);
  const unlimited = new AddressSlots(0);
  t.true(unlimited.acquire('x') && !unlimited.isLimited, '0 is unlimited');
});
