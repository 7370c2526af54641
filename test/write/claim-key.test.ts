import test from 'ava';
import { createClaimKeys } from '../../src/write/claim-key.js';

test('identical messages within the window get increasing occurrence numbers', (t) => {
  const counter = createClaimKeys(1000);
  const first = counter.keyFor('{"a":1}', 0);
  const second = counter.keyFor('{"a":1}', 10);
  t.regex(first, /^[0-9a-f]{40}:1$/);
  t.is(second, `${first.slice(0, 40)}:2`);
});

test('different content counts separately', (t) => {
  const counter = createClaimKeys(1000);
  counter.keyFor('x', 0);
  t.true(counter.keyFor('y', 0).endsWith(':1'));
});

test('after a window of silence the count starts again and old entries are dropped', (t) => {
  const counter = createClaimKeys(1000);
  counter.keyFor('x', 0);
  counter.keyFor('x', 500);
  t.true(counter.keyFor('x', 1500).endsWith(':1'));
  counter.keyFor('y', 5000);
  t.is(counter.size, 1);
});
