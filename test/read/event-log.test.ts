import test from 'ava';
import type { EventFeed, ReadAfterResult } from '../../src/bus/feed.js';
import { EventLog } from '../../src/read/event-log.js';
import { frameEvents } from '../../src/stream/frame-events.js';
import { storedEvents } from '../helpers/stored-events.js';

/** A feed whose history is `events`; counts the reads. */
function feedOf(events = storedEvents(1, 30)) {
  const reads: string[] = [];
  const feed: Pick<EventFeed, 'readAfter' | 'snapshot'> = {
    async readAfter(cursor, limit): Promise<ReadAfterResult> {
      reads.push(cursor);
      const at = events.findIndex((e) => e.id === cursor);
      if (at < 0) return { ok: false, reason: 'unknown_cursor' };
      const page = events.slice(at + 1, at + 1 + limit);
      return { ok: true, events: page, isComplete: at + 1 + limit >= events.length };
    },
    snapshot: async () => null,
  };
  return { feed, reads };
}

const framed = (from: number, to: number) => frameEvents(storedEvents(from, to)).framed;
const ids = (read: { entries: { id: string }[] } | null) => read?.entries.map((e) => e.id);

test('entries after a held cursor or the base, in order, numbered as appended', (t) => {
  const log = new EventLog({ capacity: 10, feed: feedOf().feed });
  log.reset('0-0');
  const appended = log.append(framed(1, 6));
  t.deepEqual(
    appended.map((e) => e.seq),
    [1, 2, 3, 4, 5],
  );
  t.deepEqual(ids(log.memoryAfter('3-0')), ['4-0', '5-0']);
  t.deepEqual(ids(log.memoryAfter('0-0')), ['1-0', '2-0', '3-0', '4-0', '5-0']);
  t.deepEqual(log.memoryAfter('5-0'), { entries: [], isUpToDate: true });
  t.like(log.memoryAfter('1-0', 2), { isUpToDate: false });
});

test('memory stays bounded; an evicted cursor is not answered from memory but the base moves', (t) => {
  const log = new EventLog({ capacity: 5, feed: feedOf().feed });
  log.reset('0-0');
  for (let i = 0; i < 40; i += 1) log.append(framed(i * 3 + 1, i * 3 + 4));
  t.is(log.size, 5);
  t.is(log.memoryAfter('100-0'), null);
  t.deepEqual(ids(log.memoryAfter('115-0')), ['116-0', '117-0', '118-0', '119-0', '120-0']);
  t.deepEqual(ids(log.memoryAfter('118-0')), ['119-0', '120-0']);
});

test('a reset forgets what it held; seq keeps counting', (t) => {
  const log = new EventLog({ capacity: 10, feed: feedOf().feed });
  log.reset('0-0');
  log.append(framed(1, 4));
  log.reset('50-0');
  t.is(log.memoryAfter('2-0'), null);
  t.is(log.newestId, '50-0');
  t.deepEqual(
    log.append(framed(51, 52)).map((e) => e.seq),
    [4],
  );
});

test('a cursor memory does not cover is read from the history a page at a time, framed the same way', async (t) => {
  const { feed, reads } = feedOf();
  const log = new EventLog({ capacity: 10, feed });
  log.reset('25-0');
  const page = await log.readHistory('3-0', 5);
  if (!page.ok) return t.fail('the cursor is held');
  t.deepEqual(
    page.events.map((e) => e.frame),
    framed(4, 9).map((e) => e.frame),
  );
  t.like(page, { throughId: '8-0', isComplete: false });
  t.deepEqual(reads, ['3-0']);
  t.like(await log.readHistory('nope', 5), { ok: false, reason: 'unknown_cursor' });
});

test('readers waiting for the next append are all woken by one append', async (t) => {
  const log = new EventLog({ capacity: 10, feed: feedOf().feed });
  log.reset('0-0');
  const waits = Array.from({ length: 100 }, () => log.nextAppend());
  t.is(log.waiting, 100);
  log.append(framed(1, 2));
  await Promise.all(waits);
  t.is(log.waiting, 0);
});

test('an aborted wait resolves and leaves nothing behind', async (t) => {
  const log = new EventLog({ capacity: 10, feed: feedOf().feed });
  const controller = new AbortController();
  const waiting = log.nextAppend(controller.signal);
  controller.abort();
  await waiting;
  t.is(log.waiting, 0);
});

test('callers asking for a snapshot while one is read share it; after it settles, or a reset, a new read starts', async (t) => {
  let reads = 0;
  const snapshot = async () => ({
    epoch: 'e',
    as_of: `${++reads}-0`,
    incomplete: false,
    spools: [],
  });
  const log = new EventLog({ capacity: 10, feed: { ...feedOf().feed, snapshot } });
  const [a, b] = [log.snapshot(), log.snapshot()];
  t.is(await a, await b, 'one object for both');
  t.is(reads, 1);
  t.like(await log.snapshot(), { as_of: '2-0' }, 'a settled read is not kept');
  const before = log.snapshot();
  log.reset('0-0');
  t.not(await log.snapshot(), await before, 'a read begun before a reset is not shared after it');
  t.is(reads, 4);
});

test('history pages asked for at once are read and framed once', async (t) => {
  const { feed, reads } = feedOf();
  const log = new EventLog({ capacity: 10, feed });
  const [a, b] = await Promise.all([log.readHistory('1-0', 5), log.readHistory('1-0', 5)]);
  t.is(a, b);
  t.deepEqual(reads, ['1-0']);
  await log.readHistory('1-0', 5);
  t.deepEqual(reads, ['1-0', '1-0'], 'a settled page is not kept');
});
