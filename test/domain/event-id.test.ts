import test from 'ava';
import { compareIds, createIdMaker, idTimeMs, parseEventId } from '../../src/domain/event-id.js';

test('ids increase even when the clock stands still or steps back', (t) => {
  const make = createIdMaker();
  const ids = [make(100), make(100), make(99), make(101)];
  t.deepEqual(ids, ['100-0', '100-1', '100-2', '101-0']);
  for (let i = 1; i < ids.length; i += 1)
    t.true(compareIds(ids[i - 1] as string, ids[i] as string) < 0);
});

test('ids compare numerically, not as text', (t) => {
  t.true(compareIds('9-0', '10-0') < 0);
  t.true(compareIds('10-10', '10-9') > 0);
  t.is(compareIds('10-1', '10-1'), 0);
});

test('malformed ids are recognised', (t) => {
  t.is(parseEventId('abc'), null);
  t.is(idTimeMs('1764264605123-0'), 1764264605123);
});
