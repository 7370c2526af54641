import test from 'ava';
import { compareIds } from '../../src/domain/event-id.js';
import {
  decodeOffset,
  encodeOffset,
  isOfEpoch,
  nextCursor,
} from '../../src/domain/stream-offset.js';

const EPOCH = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

test('offsets sort as plain strings in event order, across ten or more events in one millisecond', (t) => {
  const ids = [
    ...Array.from({ length: 12 }, (_, seq) => `1796552826805-${seq}`),
    '1796552826806-0',
    '99999999999999-3',
  ];
  const offsets = ids.map((id) => encodeOffset(EPOCH, id));
  t.deepEqual([...offsets].sort(), offsets);
  t.deepEqual([...ids].sort(compareIds), ids);
  t.notDeepEqual([...ids].sort(), ids, 'the raw ids do not sort as strings (…-10 before …-9)');
});

test('an offset decodes to the position it names, in its epoch; sentinels and garbage are told apart', (t) => {
  const offset = encodeOffset(EPOCH, '1796552826805-11');
  t.regex(offset, /^[0-9a-f_]+$/, 'URL-safe');
  const decoded = decodeOffset(offset);
  t.like(decoded, { kind: 'position', afterId: '1796552826805-11' });
  t.true(decoded?.kind === 'position' && isOfEpoch(decoded, EPOCH));
  t.false(
    decoded?.kind === 'position' && isOfEpoch(decoded, '11111111-2222-3333-4444-555555555555'),
  );
  t.deepEqual(decodeOffset('-1'), { kind: 'start' });
  t.deepEqual(decodeOffset(undefined), { kind: 'start' });
  t.deepEqual(decodeOffset('now'), { kind: 'now' });
  for (const bad of ['', '1796552826805-11', 'abc', `${offset}x`, offset.replace(/_/g, '-')]) {
    t.is(decodeOffset(bad), null, bad);
  }
});

test('the cursor is the current interval, and never at or below the one the client echoes', (t) => {
  const now = Date.UTC(2026, 11, 6, 12);
  const current = nextCursor(now, undefined);
  t.is(nextCursor(now + 1000, current, () => 0.5) > current, true);
  t.true(Number(nextCursor(now, current, () => 0)) > Number(current));
  t.is(nextCursor(now, String(Number(current) - 5)), current, 'an older echo gets the current one');
  t.is(nextCursor(now, 'garbage'), current);
});
