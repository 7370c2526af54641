import test from 'ava';
import { FrameCache } from '../../src/stream/frame-cache.js';

const frames = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: `${from + i}-0`, frame: `f${from + i};` }));

test('frames after a cached cursor, in order', (t) => {
  const cache = new FrameCache(10);
  cache.push(frames(1, 6));
  t.deepEqual(
    cache.after('3-0')?.map((f) => f.id),
    ['4-0', '5-0'],
  );
  t.deepEqual(cache.after('5-0'), []);
});

test('a cursor the cache does not hold is not answered (the history must be read)', (t) => {
  const cache = new FrameCache(3);
  cache.push(frames(1, 10));
  t.is(cache.size, 3);
  t.is(cache.after('5-0'), null);
  t.deepEqual(
    cache.after('7-0')?.map((f) => f.id),
    ['8-0', '9-0'],
  );
});

test('it stays bounded and correct across many compactions, and clear forgets all', (t) => {
  const cache = new FrameCache(5);
  for (let i = 0; i < 100; i += 1) cache.push(frames(i * 3, i * 3 + 3));
  t.is(cache.size, 5);
  t.deepEqual(
    cache.after('296-0')?.map((f) => f.frame),
    ['f297;', 'f298;', 'f299;'],
  );
  cache.clear();
  t.is(cache.after('298-0'), null);
});
