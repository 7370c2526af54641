import test from 'ava';
import { OLDEST, type StoredEvent } from '../../src/bus/feed.js';
import { MemoryHistory } from '../../src/bus/memory-history.js';

const event = (n: number): StoredEvent => ({
  id: `1000-${n}`,
  storedAtMs: 1000,
  meta: '',
  template: '{}',
  receivedAtPerfMs: 0,
});
const ids = (result: ReturnType<MemoryHistory['readAfter']>) =>
  result.ok ? result.events.map((e) => e.id) : result.reason;

function filled(size: number, count: number): MemoryHistory {
  const history = new MemoryHistory(size);
  for (let n = 1; n <= count; n += 1) history.append(event(n));
  return history;
}

test('reads after a held cursor in pages, in id order (1000-10 after 1000-9)', (t) => {
  const history = filled(100, 12);
  t.deepEqual(ids(history.readAfter('1000-8', 3)), ['1000-9', '1000-10', '1000-11']);
  t.like(history.readAfter('1000-8', 3), { isComplete: false });
  t.like(history.readAfter('1000-8', 4), { isComplete: true });
  t.deepEqual(ids(history.readAfter(OLDEST, 2)), ['1000-1', '1000-2']);
  t.deepEqual(ids(history.readAfter('0-0', 1)), ['1000-1'], 'nothing lost: 0-0 is held');
  t.is(history.newestId, '1000-12');
});

test('once trimmed, a cursor before the oldest held is too old; one never stored is unknown', (t) => {
  const history = filled(10, 2011);
  t.deepEqual(ids(history.readAfter('1000-1', 5)), 'cursor_too_old');
  t.deepEqual(ids(history.readAfter('0-0', 5)), 'cursor_too_old');
  t.deepEqual(ids(history.readAfter('1000-9999', 5)), 'unknown_cursor');
  t.deepEqual(ids(history.readAfter('1000-2010', 5)), ['1000-2011']);
});

test('the newest trimmed id can still be continued from', (t) => {
  const history = filled(10, 2011);
  const oldest = history.readAfter(OLDEST, 1);
  const first = oldest.ok ? Number(oldest.events[0]?.id.split('-')[1]) : 0;
  t.deepEqual(ids(history.readAfter(`1000-${first - 1}`, 1)), [`1000-${first}`]);
});
